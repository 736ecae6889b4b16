#pragma once
// Per-code-point classes as HF tokenizers' BERT pipeline sees them (see unicode_tables.inc for where they
// come from). Lookup is two-stage: block = stage1[cp >> 8], flags = stage2[block * 256 + (cp & 255)];
// identical 256-code-point blocks are stored once, so the whole range costs ~100 KB.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace acgs::tok {

enum CharFlag : uint8_t {
  kDrop = 1,        // removed by clean_text (controls, format chars, private use, U+0000, U+FFFD)
  kSpace = 2,       // Rust char::is_whitespace: clean_text maps it to ' ', the pre-tokenizer splits on it
  kPunct = 4,       // BertPreTokenizer punctuation: isolated as its own word
  kMark = 8,        // removed by strip_accents after NFD
  kCjk = 16,        // handle_chinese_chars puts spaces around it
  kHasLower = 32,   // to_lowercase differs from the code point
  kHasDecomp = 64,  // NFD differs from the code point
  kCombining = 128, // canonical combining class != 0: NFD reorders runs of these
};

class UnicodeProps {
 public:
  static const UnicodeProps& get();

  uint8_t flags(char32_t cp) const {
    return stage2_[static_cast<size_t>(stage1_[cp >> 8]) * 256 + (cp & 0xFF)];
  }
  // Writes the mapping of a kHasLower / kHasDecomp code point to out (room for 4) and returns its length.
  static int lowercase(char32_t cp, char32_t* out);
  static int decompose(char32_t cp, char32_t* out);
  static uint8_t combining_class(char32_t cp);

 private:
  UnicodeProps();
  std::vector<uint16_t> stage1_;
  std::vector<uint8_t> stage2_;
};

}  // namespace acgs::tok
