#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) as the oracle for ONNX import parity: reads JSONL token-id arrays
// on stdin, runs each as its own batch of one (attention_mask ones), and prints one JSONL line per
// input, {"last_hidden_state": [[...] per token]} (the graph's first output). With --pad-to N each sequence
// is padded with id 0 (attention_mask 0) to N tokens and only its real tokens are printed, so the graph's
// masking is exercised.
//
// Usage (from tools/oracle): node ort_run.js --model model.onnx [--pad-to N] < ids.jsonl > hidden.jsonl
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const i = process.argv.indexOf('--model');
  if (i < 0 || !process.argv[i + 1]) throw new Error('usage: node ort_run.js --model model.onnx < ids.jsonl');
  const session = await ort.InferenceSession.create(process.argv[i + 1],
                                                    { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const p = process.argv.indexOf('--pad-to');
  const padTo = p >= 0 ? Number(process.argv[p + 1]) : 0;
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const out = [];
  for (const line of lines) {
    const ids = JSON.parse(line);
    const n = ids.length;
    const len = Math.max(n, padTo);
    const padded = new BigInt64Array(len);
    padded.set(ids.map(BigInt));
    const mask = new BigInt64Array(len);
    mask.fill(1n, 0, n);
    const feeds = {
      input_ids: new ort.Tensor('int64', padded, [1, len]),
      attention_mask: new ort.Tensor('int64', mask, [1, len]),
    };
    const result = await session.run(feeds);
    const hidden = result[session.outputNames[0]];
    const dim = hidden.dims[2];
    const rows = [];
    for (let t = 0; t < n; ++t) rows.push(Array.from(hidden.data.subarray(t * dim, (t + 1) * dim)));
    out.push(JSON.stringify({ last_hidden_state: rows }));
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

main().catch((e) => {
  process.stderr.write(`ort_run.js: ${e.message}\n`);
  process.exit(1);
});
