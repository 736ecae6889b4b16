#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU) latency on the same synthetic input as `acgs-infer bench`: `batch`
// sequences of exactly N tokens ([CLS] w.. [SEP], ids from the same LCG), graph optimizations on (all),
// intraOpNumThreads = --threads, one inter-op thread. Prints one JSON object shaped like `acgs-infer bench`,
// its "backend" --name (default onnxruntime; bench/compare_cpu.sh names the int8 model's runs onnxruntime-int8).
//
// Usage (from tools/oracle): node ort_bench.js --model model.onnx --seqs 16,64,128 --batch 1 --samples 50
//                            --warmup 5 --threads 2 [--name onnxruntime]
'use strict';
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const opts = { seqs: '16,64,128', batch: 1, samples: 50, warmup: 5, threads: 2, vocab: 30522, name: 'onnxruntime' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in opts) && key !== 'model') throw new Error(`unknown option ${argv[i]}`);
    opts[key] = ['model', 'seqs', 'name'].includes(key) ? argv[i + 1] : Number(argv[i + 1]);
  }
  if (!opts.model) throw new Error('--model FILE.onnx is required');
  return opts;
}

// The same ids as synthetic_batch() in src/cli/cmd_bench.cc (32-bit LCG, seeded by the length).
function syntheticIds(batch, length, vocab) {
  const kFirstWord = 1000, span = Math.max(1, vocab - kFirstWord);
  let state = (12345 + length) >>> 0;
  const ids = new BigInt64Array(batch * length);
  for (let b = 0; b < batch; ++b) {
    for (let t = 0; t < length; ++t) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      let id = kFirstWord + ((state >>> 8) % span);
      if (t === 0) id = 101;
      if (t === length - 1 && length > 1) id = 102;
      ids[b * length + t] = BigInt(Math.min(id, vocab - 1));
    }
  }
  return ids;
}

function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

const round3 = (v) => Math.round(v * 1000) / 1000;

async function main() {
  const opts = parseArgs(process.argv);
  const session = await ort.InferenceSession.create(opts.model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const out = { backend: opts.name, threads: opts.threads, batch: opts.batch, samples: opts.samples,
                warmup: opts.warmup, ms: {} };
  for (const n of opts.seqs.split(',').map(Number)) {
    const dims = [opts.batch, n];
    const feeds = {
      input_ids: new ort.Tensor('int64', syntheticIds(opts.batch, n, opts.vocab), dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(opts.batch * n).fill(1n), dims),
    };
    for (let i = 0; i < opts.warmup; ++i) await session.run(feeds);
    const ms = [];
    for (let i = 0; i < opts.samples; ++i) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    ms.sort((a, b) => a - b);
    out.ms[String(n)] = { p50: round3(percentile(ms, 50)), p99: round3(percentile(ms, 99)), mean: round3(mean) };
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
