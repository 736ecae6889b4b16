#!/usr/bin/env node
// HF tokenizers (npm `tokenizers`) as the oracle for cased and uncased BERT as tokenizer.json and
// tokenizer_config.json configure it. Writes model directories holding a cased test vocabulary
// (cased_vocab.js) under OUT_DIR, each one way of saying the normalizer flags:
//   json_*: tokenizer.json with BertNormalizer flags (bert-base-cased's own, and the others), or none;
//   txt_*:  vocab.txt plus tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars),
//           built the way transformers' BertConverter builds it (bert_tokenizers.js);
//   both_cased: tokenizer.json and an agreeing tokenizer_config.json, as bert-base-cased ships them;
// and the ids HF gives for the corpus and a Unicode sweep (accents, combining marks, controls, format
// chars, CJK, Hangul, fullwidth, emoji) at max_length 0 and 16.
// Usage (from tools/oracle): node cased_golden.js CORPUS UNCASED_TOKENIZER_JSON OUT_DIR
// Writes OUT_DIR/goldens.jsonl: first {"sweep": [texts]}, then {"dir", "texts": "corpus"|"sweep",
// "max_length", "ids"} per run.
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');
const { casedVocab } = require('./cased_vocab');
const { fromVocabTxt, idsRuns } = require('./bert_tokenizers');

const [corpusPath, uncasedJsonPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node cased_golden.js CORPUS UNCASED_TOKENIZER_JSON OUT_DIR');
  process.exit(2);
}
const corpus = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l).text);

// Each code point of these ranges inside cased words, next to a combining mark and doubled, eight per text.
const SWEEP_RANGES = [[0x0, 0x80], [0x80, 0x250], [0x300, 0x370], [0x370, 0x530], [0x1e00, 0x1f00],
  [0x1f00, 0x2000], [0x2000, 0x2070], [0x3000, 0x3040], [0x4e00, 0x4e40], [0xac00, 0xac20], [0xf900, 0xf920],
  [0xff00, 0xff60], [0x1d400, 0x1d420], [0x1f600, 0x1f620], [0x20000, 0x20010], [0xe0000, 0xe0080]];
function sweepTexts() {
  const texts = [];
  for (const [first, end] of SWEEP_RANGES) {
    for (let base = first; base < end; base += 8) {
      const parts = [];
      for (let cp = base; cp < Math.min(base + 8, end); ++cp) {
        const c = String.fromCodePoint(cp);
        parts.push(`Ab${c}cd É${c} ${c}\u0301x ${c}${c}`);
      }
      texts.push(parts.join(' Ç '));
    }
  }
  return texts;
}

function writeDir(name, files) {
  const dir = path.join(outDir, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
  return dir;
}

const uncasedLines = fs.readFileSync(path.join(path.dirname(uncasedJsonPath), 'vocab.txt'), 'utf8').split('\n');
if (uncasedLines[uncasedLines.length - 1] === '') uncasedLines.pop();
const vocabLines = casedVocab(uncasedLines);
const vocabTxt = vocabLines.join('\n') + '\n';
const id = (t) => vocabLines.indexOf(t);

// bert-base-cased's tokenizer.json layout over the cased vocabulary: special ids from the vocabulary.
const base = JSON.parse(fs.readFileSync(uncasedJsonPath, 'utf8'));
const casedJson = { ...base,
  added_tokens: base.added_tokens.map((t) => ({ ...t, id: id(t.content) })),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null,
    lowercase: false },
  post_processor: { type: 'BertProcessing', sep: ['[SEP]', id('[SEP]')], cls: ['[CLS]', id('[CLS]')] },
  model: { ...base.model, vocab: Object.fromEntries(vocabLines.map((t, i) => [t, i])) } };
const withFlags = (flags) => JSON.stringify({ ...casedJson, normalizer: { ...casedJson.normalizer, ...flags } });

const dirs = {
  json_cased: { 'tokenizer.json': JSON.stringify(casedJson) },
  json_cased_strip: { 'tokenizer.json': withFlags({ strip_accents: true }) },
  json_uncased: { 'tokenizer.json': withFlags({ lowercase: true }) },
  json_uncased_keep_accents: { 'tokenizer.json': withFlags({ lowercase: true, strip_accents: false }) },
  json_cased_no_cjk: { 'tokenizer.json': withFlags({ handle_chinese_chars: false }) },
  json_cased_no_clean: { 'tokenizer.json': withFlags({ clean_text: false }) },
  json_no_normalizer: { 'tokenizer.json': JSON.stringify({ ...casedJson, normalizer: null }) },
  both_cased: { 'tokenizer.json': JSON.stringify(casedJson), 'tokenizer_config.json': '{"do_lower_case": false}' },
};
const configs = {
  txt_cased: { do_lower_case: false },
  txt_cased_strip: { do_lower_case: false, strip_accents: true },
  txt_uncased: { do_lower_case: true, strip_accents: null, tokenize_chinese_chars: true },
  txt_uncased_keep_accents: { do_lower_case: true, strip_accents: false },
  txt_cased_no_cjk: { do_lower_case: false, tokenize_chinese_chars: false },
  txt_defaults: { tokenizer_class: 'BertTokenizer' },
};
for (const [name, config] of Object.entries(configs)) {
  dirs[name] = { 'vocab.txt': vocabTxt, 'tokenizer_config.json': JSON.stringify(config) };
}
dirs.txt_no_config = { 'vocab.txt': vocabTxt };

(async () => {
  const sweep = sweepTexts();
  const lines = [{ sweep }];
  for (const [name, files] of Object.entries(dirs)) {
    const dir = writeDir(name, files);
    const tok = files['tokenizer.json']
      ? tk.Tokenizer.fromFile(path.join(dir, 'tokenizer.json'))
      : await fromVocabTxt(path.join(dir, 'vocab.txt'), configs[name]);
    for (const [textsName, texts] of [['corpus', corpus], ['sweep', sweep]]) {
      for (const run of await idsRuns(tok, texts, [0, 16])) lines.push({ dir, texts: textsName, ...run });
    }
  }
  fs.writeFileSync(path.join(outDir, 'goldens.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  console.log(`cased goldens: ${Object.keys(dirs).length} directories, ${lines.length - 1} runs -> ${outDir}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
