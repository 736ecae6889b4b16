// A cased BERT vocabulary for tests, derived deterministically from bert-base-uncased's vocab.txt (the real
// bert-base-cased cannot be downloaded here). It keeps every uncased entry, drops [unused0..98] so the
// special tokens get other ids than uncased BERT's ([UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4: ids must come
// from the files), then appends what a cased vocabulary has and an uncased one lacks: capitalized and
// upper-case words, upper-case letters (whole and "##"), precomposed accented letters and words, and
// combining marks as continuation pieces (cased BERT does not strip accents, so they reach WordPiece).
'use strict';

const ACCENTED_WORDS = ['café', 'Café', 'naïve', 'résumé', 'Zürich', 'São', 'façade', 'jalapeño', 'Ångström',
  'über', 'Über', 'Niño', 'crème', 'brûlée', 'Dvořák', 'Łódź', 'Kraków', 'İstanbul', 'Ölçek', 'Œuvre'];

function casedVocab(uncasedLines) {
  const lines = uncasedLines.filter((t, id) => !(id >= 1 && id <= 99 && /^\[unused\d+\]$/.test(t)));
  const seen = new Set(lines);
  const add = (t) => {
    if (!seen.has(t)) {
      seen.add(t);
      lines.push(t);
    }
  };
  const upperFirst = (w) => w[0].toUpperCase() + w.slice(1);
  for (const t of [...lines]) {
    const chars = [...t];
    if (chars.length === 1 && t.toUpperCase() !== t && [...t.toUpperCase()].length === 1) {
      add(t.toUpperCase());
      add('##' + t.toUpperCase());
    } else if (/^[a-z]{2,}$/.test(t)) {
      add(upperFirst(t));
      if (t.length <= 4) add(t.toUpperCase());
    } else if (/^##[a-z]{2,3}$/.test(t)) {
      add('##' + t.slice(2).toUpperCase());
    }
  }
  // Latin-1 Supplement, Latin Extended-A and -B letters, precomposed, both cases.
  for (let cp = 0xc0; cp < 0x250; ++cp) {
    const c = String.fromCodePoint(cp);
    if (/\p{L}/u.test(c)) {
      add(c);
      add('##' + c);
    }
  }
  for (let cp = 0x300; cp < 0x370; ++cp) add('##' + String.fromCodePoint(cp));
  for (const w of ACCENTED_WORDS) add(w);
  return lines;
}

module.exports = { casedVocab };
