#!/usr/bin/env node
// HF tokenizers (npm) single-thread throughput on a JSONL corpus, the peer for tokenizer_bench.
// Two modes: "encode" awaits encode() per text (one call in flight); "encode_batch" hands the whole
// corpus to encodeBatch (with RAYON_NUM_THREADS=1 it runs on one thread and amortizes the N-API cost).
// Usage (from tools/oracle so `tokenizers` resolves): node ../../bench/tokenizer/tokenizer_bench.js \
//   TOKENIZER_JSON CORPUS_JSONL [SECONDS=2] [MAX_LENGTH=0]
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require(require.resolve('tokenizers', { paths: [process.cwd(), path.join(__dirname, '../../tools/oracle')] }));

const [file, corpus, secondsArg, maxLengthArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 2);
const maxLength = Number(maxLengthArg || 0);
const texts = fs.readFileSync(corpus, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l).text);
const tok = tk.Tokenizer.fromFile(file);
if (maxLength) tok.setTruncation(maxLength);

async function run(mode) {
  let encoded = 0, tokens = 0;
  const pass = async () => {
    if (mode === 'encode') {
      for (const t of texts) tokens += (await tok.encode(t)).getLength();
    } else {
      for (const e of await tok.encodeBatch(texts)) tokens += e.getLength();
    }
  };
  await pass();  // warm-up
  tokens = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    await pass();
    encoded += texts.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  console.log(JSON.stringify({ impl: `hf_${mode}`, texts: encoded, seconds: +elapsed.toFixed(3),
    texts_per_s: +(encoded / elapsed).toFixed(1), tokens_per_s: +(tokens / elapsed).toFixed(1) }));
}

(async () => {
  await run('encode');
  await run('encode_batch');
})();
