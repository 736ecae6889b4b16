#include "scorer/python_text.h"

#include <utf8proc.h>

#include <cstdint>

namespace acgs {
namespace {

// Python's str.isspace(): bidirectional class WS, B or S, or general category Zs.
bool is_python_space(int32_t c) {
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return true;
  switch (c) {
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200a;
  }
}

// Decodes the code point starting at text[pos]; returns its byte length (1 for a byte that does not start
// a valid sequence, which the JSON parser never hands us).
int decode(std::string_view text, size_t pos, int32_t& cp) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos);
  const utf8proc_ssize_t n = utf8proc_iterate(p, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (n <= 0) {
    cp = -1;
    return 1;
  }
  return static_cast<int>(n);
}

void append_utf8(std::string& out, int32_t cp) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

}  // namespace

std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const unsigned char byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte));
      ++pos;
      continue;
    }
    int32_t cp = 0;
    const int n = decode(text, pos, cp);
    if (cp < 0) {
      out.append(text.substr(pos, static_cast<size_t>(n)));
    } else if (cp == 0x130) {
      out.append("i\xcc\x87");  // LATIN CAPITAL LETTER I WITH DOT ABOVE → i + COMBINING DOT ABOVE
    } else {
      append_utf8(out, utf8proc_tolower(cp));
    }
    pos += static_cast<size_t>(n);
  }
  return out;
}

std::string_view python_strip(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    int32_t cp = 0;
    const int n = decode(text, begin, cp);
    if (!is_python_space(cp)) break;
    begin += static_cast<size_t>(n);
  }
  size_t end = text.size();
  while (end > begin) {
    // Step back to the first byte of the last code point (continuation bytes are 10xxxxxx).
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) --start;
    int32_t cp = 0;
    decode(text, start, cp);
    if (!is_python_space(cp)) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

}  // namespace acgs
