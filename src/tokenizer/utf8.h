#pragma once
// UTF-8 helpers for the tokenizer. Input text is validated once (validate_utf8); the decoder then trusts it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace acgs::tok {

// Throws Error(kInvalidArgument) naming the byte offset of the first ill-formed sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed, as in Rust's and HF's `str`).
void validate_utf8(std::string_view text);

// Decodes the code point at p (valid UTF-8, p < end) and advances p past it.
inline char32_t decode_utf8(const char*& p) {
  const auto b0 = static_cast<uint8_t>(*p);
  if (b0 < 0x80) {
    ++p;
    return b0;
  }
  const auto cont = [&](int i) { return static_cast<char32_t>(static_cast<uint8_t>(p[i]) & 0x3F); };
  char32_t cp;
  if (b0 < 0xE0) {
    cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
    p += 2;
  } else if (b0 < 0xF0) {
    cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    p += 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    p += 4;
  }
  return cp;
}

inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace acgs::tok
