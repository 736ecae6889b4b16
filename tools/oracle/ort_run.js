#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) as the oracle for ONNX import parity: reads JSONL token-id arrays
// on stdin, runs each as its own batch of one (attention_mask ones; token_type_ids zeros where the graph
// takes them), and prints one JSONL line per input, {"model": path, "last_hidden_state": [[...] per token]}
// (the graph's first output). With --pad-to N each sequence is padded with id 0 (attention_mask 0) to N
// tokens and only its real tokens are printed, so the graph's masking is exercised. Several --model run one after another on the same input (one node
// start for a whole test matrix), their lines in --model order.
//
// Usage (from tools/oracle): node ort_run.js --model model.onnx [--model ...] [--pad-to N] < ids.jsonl > hidden.jsonl
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const models = process.argv.flatMap((a, i) => (a === '--model' ? [process.argv[i + 1]] : []));
  if (models.length === 0 || models.some((m) => !m)) {
    throw new Error('usage: node ort_run.js --model model.onnx [--model ...] < ids.jsonl');
  }
  const p = process.argv.indexOf('--pad-to');
  const padTo = p >= 0 ? Number(process.argv[p + 1]) : 0;
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const out = [];
  for (const model of models) {
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    for (const line of lines) out.push(await run(session, model, JSON.parse(line), padTo));
  }
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
}

// One sequence as a batch of one: its JSONL answer line.
async function run(session, model, ids, padTo) {
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
  // A BERT export may take token_type_ids: single texts are segment 0 throughout, as we run them.
  if (session.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(len), [1, len]);
  }
  const result = await session.run(feeds);
  const hidden = result[session.outputNames[0]];
  const dim = hidden.dims[2];
  const rows = [];
  for (let t = 0; t < n; ++t) rows.push(Array.from(hidden.data.subarray(t * dim, (t + 1) * dim)));
  return JSON.stringify({ model, last_hidden_state: rows });
}

main().catch((e) => {
  process.stderr.write(`ort_run.js: ${e.message}\n`);
  process.exit(1);
});
