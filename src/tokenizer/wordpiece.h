#pragma once
// HF WordPiece: greedy longest-match-first over one pre-tokenized word, continuation pieces carry the
// prefix ("##"); a word with more than max_input_chars_per_word chars, or with any part no vocab entry
// matches, becomes a single unk token.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/vocab_map.h"

namespace acgs::tok {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  int max_input_chars_per_word = 100;
};

class WordPiece {
 public:
  // vocab in file order (later duplicates win, as in HF). Throws Error(kInvalidModel) if unk is missing.
  WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const WordPieceOptions& options,
            const std::string& source);

  // word: the UTF-8 bytes of one word; bounds: byte offset where each char starts, then word.size().
  void tokenize(std::string_view word, std::span<const uint32_t> bounds, std::vector<int32_t>& ids) const;

  int32_t find(std::string_view token) const { return vocab_.find(token); }
  int32_t unk_id() const { return unk_id_; }

 private:
  VocabMap vocab_;
  VocabMap continuation_;  // entries that start with the prefix, stored without it
  bool empty_prefix_;
  int32_t unk_id_;
  size_t max_chars_;
};

}  // namespace acgs::tok
