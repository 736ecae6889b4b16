// Shared by the tokenizer oracle scripts: a BERT tokenizer assembled from vocab.txt the way transformers'
// BertConverter assembles BertTokenizerFast (normalizer flags and special tokens from tokenizer_config.json,
// BertTokenizer's defaults for what it leaves out), and ids for a list of texts at several max_lengths.
'use strict';
const tk = require('tokenizers');

// A tokenizer_config.json special token is a string or an AddedToken object {content, ...}.
function tokenString(value, fallback) {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' ? value : value.content;
}

async function fromVocabTxt(vocabPath, config = {}) {
  const unk = tokenString(config.unk_token, '[UNK]');
  const sep = tokenString(config.sep_token, '[SEP]');
  const cls = tokenString(config.cls_token, '[CLS]');
  const pad = tokenString(config.pad_token, '[PAD]');
  const mask = tokenString(config.mask_token, '[MASK]');
  const tok = new tk.Tokenizer(await tk.WordPiece.fromFile(vocabPath, { unkToken: unk }));
  const flags = { cleanText: true, handleChineseChars: config.tokenize_chinese_chars ?? true,
    lowercase: config.do_lower_case ?? true };
  // strip_accents null (or absent) must reach the Rust normalizer as None: "follow lowercase".
  if (config.strip_accents !== undefined && config.strip_accents !== null) flags.stripAccents = config.strip_accents;
  tok.setNormalizer(tk.bertNormalizer(flags));
  tok.setPreTokenizer(tk.bertPreTokenizer());
  tok.setPostProcessor(tk.bertProcessing([sep, tok.tokenToId(sep)], [cls, tok.tokenToId(cls)]));
  tok.addSpecialTokens([unk, sep, pad, cls, mask]);
  return tok;
}

// [{max_length, ids: [[…] per text]}] without padding; 0 = no truncation.
async function idsRuns(tok, texts, maxLengths) {
  const runs = [];
  for (const maxLength of maxLengths) {
    if (maxLength) tok.setTruncation(maxLength);
    else tok.disableTruncation();
    tok.disablePadding();
    const ids = [];
    for (const t of texts) ids.push((await tok.encode(t)).getIds());  // one at a time: results in text order
    runs.push({ max_length: maxLength, ids });
  }
  return runs;
}

module.exports = { fromVocabTxt, idsRuns };
