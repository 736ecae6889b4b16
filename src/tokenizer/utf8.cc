#include "tokenizer/utf8.h"

#include <cstring>

#include "common/error.h"

namespace acgs::tok {
namespace {

[[noreturn]] void fail_at(size_t offset, const char* what) {
  fail(ErrorKind::kInvalidArgument, "text is not valid UTF-8: " + std::string(what) + " at byte offset " +
                                        std::to_string(offset) + "; send UTF-8 encoded text");
}

bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

void validate_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs are the common case: check 8 bytes at a time.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const uint8_t b0 = s[i];
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min_cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2, min_cp = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, min_cp = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4, min_cp = 0x10000;
    } else {
      fail_at(i, is_cont(b0) ? "unexpected continuation byte" : "invalid lead byte");
    }
    if (i + len > n) fail_at(i, "truncated multi-byte sequence");
    uint32_t cp = b0 & (0xFF >> (len + 1));
    for (size_t k = 1; k < len; ++k) {
      if (!is_cont(s[i + k])) fail_at(i, "truncated multi-byte sequence");
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min_cp) fail_at(i, "overlong encoding");
    if (cp >= 0xD800 && cp <= 0xDFFF) fail_at(i, "encoded surrogate");
    if (cp > 0x10FFFF) fail_at(i, "code point above U+10FFFF");
    i += len;
  }
}

}  // namespace acgs::tok
