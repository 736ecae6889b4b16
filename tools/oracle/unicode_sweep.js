#!/usr/bin/env node
// Every Unicode scalar value through HF's BertNormalizer (uncased and cased flags) and BertPreTokenizer,
// 256 code points per chunk, each followed by "a" (a starter, so NFD reordering stays inside one code
// point's marks). Writes JSONL {"first", "uncased", "cased", "pieces"} per chunk.
// Usage (from tools/oracle): node unicode_sweep.js OUT_JSONL
'use strict';
const fs = require('fs');
const tk = require('tokenizers');

const uncased = tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true });
const cased = tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false });
const pre = tk.bertPreTokenizer();
const out = fs.openSync(process.argv[2], 'w');
for (let first = 0; first < 0x110000; first += 256) {
  let text = '';
  for (let cp = first; cp < first + 256; ++cp) {
    if (cp < 0xd800 || cp > 0xdfff) text += String.fromCodePoint(cp) + 'a';
  }
  if (!text) continue;
  const line = { first, uncased: uncased.normalizeString(text), cased: cased.normalizeString(text),
    pieces: pre.preTokenizeString(text).map(([piece]) => piece) };
  fs.writeSync(out, JSON.stringify(line) + '\n');
}
fs.closeSync(out);
