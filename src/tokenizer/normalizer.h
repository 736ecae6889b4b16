#pragma once
// HF BertNormalizer, in its order: clean_text, handle_chinese_chars, strip_accents (NFD, then drop
// marks), lowercase (Rust char::to_lowercase, one code point at a time: no final-sigma context).
#include <string>
#include <string_view>

namespace acgs::tok {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

class BertNormalizer {
 public:
  explicit BertNormalizer(NormalizerOptions options) : options_(options) {}
  const NormalizerOptions& options() const { return options_; }

  // text must be valid UTF-8. out is overwritten; scratch is a reusable buffer (no allocation once warm).
  void normalize(std::string_view text, std::u32string& out, std::u32string& scratch) const;

 private:
  NormalizerOptions options_;
};

}  // namespace acgs::tok
