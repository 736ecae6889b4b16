#pragma once
// Everything a BERT WordPiece tokenizer file says, read from tokenizer.json or vocab.txt.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/wordpiece.h"

namespace acgs::tok {

struct TokenizerSpec {
  std::string source;  // the file, for error messages
  NormalizerOptions normalizer;
  WordPieceOptions wordpiece;
  std::vector<std::pair<std::string, int32_t>> vocab;         // file order
  std::vector<std::pair<std::string, int32_t>> added_tokens;  // matched on the raw text
  int32_t cls_id = -1;
  int32_t sep_id = -1;
  int32_t pad_id = 0;
};

// HF tokenizer.json with a WordPiece model, BertNormalizer (or none), BertPreTokenizer and BertProcessing (or
// the equivalent TemplateProcessing "[CLS] $A [SEP]"). A tokenizer_config.json beside it must agree with its
// normalizer. Throws Error(kInvalidModel) naming the field.
TokenizerSpec load_tokenizer_json(const std::filesystem::path& path);

// One token per line, id = line number. The normalizer flags and special-token strings come from a
// tokenizer_config.json beside it (BERT's uncased defaults without one); the special tokens the vocabulary
// has are matched on the raw text, as in what transformers' BertConverter builds.
TokenizerSpec load_vocab_txt(const std::filesystem::path& path);

}  // namespace acgs::tok
