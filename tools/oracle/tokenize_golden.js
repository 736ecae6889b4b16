#!/usr/bin/env node
// HF tokenizers (npm `tokenizers`) as the oracle for our tokenizer: reads a JSONL corpus of {"text": …}
// and writes, per tokenizer variant and max_length, the ids HF produces; plus padded batches.
// Variants: the given tokenizer.json; a tokenizer built from vocab.txt the way HF's BertWordPieceTokenizer
// builds it; and tokenizer.json copies with other BertNormalizer flags (cased etc.), written to OUT_DIR.
// Usage (from tools/oracle): node tokenize_golden.js CORPUS TOKENIZER_JSON VOCAB_TXT OUT_DIR
// Writes OUT_DIR/goldens.jsonl, one object per line:
//   {"file", "max_length", "ids": [[…] per text]}                     (no padding)
//   {"file", "max_length", "padding", "batch_size", "ids", "mask"}   (padded batches of batch_size texts)
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');
const { fromVocabTxt, idsRuns } = require('./bert_tokenizers');

const [corpusPath, jsonPath, vocabPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node tokenize_golden.js CORPUS TOKENIZER_JSON VOCAB_TXT OUT_DIR');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const texts = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l).text);

const base = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
const normalizerVariants = {
  cased: { lowercase: false, strip_accents: null },
  lower_keep_accents: { lowercase: true, strip_accents: false },
  strip_only: { lowercase: false, strip_accents: true },
  no_clean_no_cjk: { clean_text: false, handle_chinese_chars: false },
};
const files = { [jsonPath]: () => tk.Tokenizer.fromFile(jsonPath) };
for (const [name, flags] of Object.entries(normalizerVariants)) {
  const file = path.join(outDir, `${name}.tokenizer.json`);
  fs.writeFileSync(file, JSON.stringify({ ...base, normalizer: { ...base.normalizer, ...flags } }));
  files[file] = () => tk.Tokenizer.fromFile(file);
}
// What HF's BertWordPieceTokenizer(vocab.txt) assembles: BERT's uncased defaults.
files[vocabPath] = () => fromVocabTxt(vocabPath);

(async () => {
  const lines = [];
  for (const [file, make] of Object.entries(files)) {
    for (const run of await idsRuns(await make(), texts, [0, 128, 16])) lines.push({ file, ...run });
  }
  // Padding: batches of 7 texts through tokenizer.json, longest and max_length.
  const tok = tk.Tokenizer.fromFile(jsonPath);
  const batchSize = 7;
  for (const [padding, maxLength] of [['longest', 0], ['longest', 16], ['max_length', 16], ['max_length', 128]]) {
    if (maxLength) tok.setTruncation(maxLength);
    else tok.disableTruncation();
    tok.setPadding(padding === 'max_length' ? { maxLength } : {});
    const ids = [], mask = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const batch = await tok.encodeBatch(texts.slice(i, i + batchSize));
      for (const e of batch) {
        ids.push(e.getIds());
        mask.push(e.getAttentionMask());
      }
    }
    lines.push({ file: jsonPath, max_length: maxLength, padding, batch_size: batchSize, ids, mask });
  }
  fs.writeFileSync(path.join(outDir, 'goldens.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  console.log(`goldens for ${texts.length} texts, ${lines.length} runs -> ${outDir}/goldens.jsonl`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
