#pragma once
// BERT WordPiece tokenizer, identical to Hugging Face `tokenizers` (BertNormalizer, BertPreTokenizer,
// WordPiece, BertProcessing). API contract for the rest of the project; see tokenizer.cc for details.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/token_batch.h"

namespace acgs {

enum class Padding { kNone, kLongest, kMaxLength };

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
};

class Tokenizer {
 public:
  // tokenizer.json or vocab.txt; a tokenizer_config.json beside either is read too (see tokenizer_spec.h).
  // Throws Error(kInvalidModel).
  static Tokenizer from_file(const std::filesystem::path& path);
  // A model directory: tokenizer.json if present, else vocab.txt.
  static Tokenizer from_dir(const std::filesystem::path& dir);

  // [CLS] tokens [SEP]. max_length 0 = no truncation; otherwise truncates the word pieces so the result,
  // special tokens included, has at most max_length ids (HF semantics). Throws Error(kInvalidArgument)
  // on invalid UTF-8, naming the byte offset.
  std::vector<int32_t> encode(std::string_view text, int max_length = 0) const;
  std::vector<Encoding> encode_batch(std::span<const std::string> texts, int max_length, Padding padding) const;
  // Packed, unpadded: what backends take.
  TokenBatch encode_packed(std::span<const std::string> texts, int max_length) const;

  int vocab_size() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;

  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace acgs
