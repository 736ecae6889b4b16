#include "tokenizer/normalizer.h"

#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8.h"

namespace acgs::tok {
namespace {

// NFD's canonical ordering: within each run of non-starters, a stable sort by combining class.
// Runs are a handful of code points, so insertion sort.
void canonical_order(std::u32string& cps, const UnicodeProps& props) {
  const size_t n = cps.size();
  for (size_t i = 0; i < n; ++i) {
    if (!(props.flags(cps[i]) & kCombining)) continue;
    size_t end = i;
    while (end < n && (props.flags(cps[end]) & kCombining)) ++end;
    for (size_t j = i + 1; j < end; ++j) {
      const char32_t cp = cps[j];
      const uint8_t ccc = UnicodeProps::combining_class(cp);
      size_t k = j;
      while (k > i && UnicodeProps::combining_class(cps[k - 1]) > ccc) {
        cps[k] = cps[k - 1];
        --k;
      }
      cps[k] = cp;
    }
    i = end;
  }
}

}  // namespace

void BertNormalizer::normalize(std::string_view text, std::u32string& out, std::u32string& scratch) const {
  const auto& props = UnicodeProps::get();
  // Pass 1: clean, CJK spacing and (for strip_accents) decomposition, into scratch.
  scratch.clear();
  bool any_combining = false;
  char32_t mapped[4];
  const auto emit = [&](char32_t cp, uint8_t flags) {
    if (options_.strip_accents && (flags & kHasDecomp)) {
      const int n = UnicodeProps::decompose(cp, mapped);
      for (int i = 0; i < n; ++i) {
        any_combining |= (props.flags(mapped[i]) & kCombining) != 0;
        scratch += mapped[i];
      }
    } else {
      any_combining |= (flags & kCombining) != 0;
      scratch += cp;
    }
  };
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    char32_t cp = decode_utf8(p);
    uint8_t flags = props.flags(cp);
    if (options_.clean_text) {
      if (flags & kDrop) continue;
      if (flags & kSpace) cp = U' ', flags = props.flags(U' ');
    }
    if (options_.handle_chinese_chars && (flags & kCjk)) {
      scratch += U' ';
      emit(cp, flags);
      scratch += U' ';
    } else {
      emit(cp, flags);
    }
  }
  if (options_.strip_accents && any_combining) canonical_order(scratch, props);

  // Pass 2: drop marks, lowercase.
  out.clear();
  for (const char32_t cp : scratch) {
    const uint8_t flags = props.flags(cp);
    if (options_.strip_accents && (flags & kMark)) continue;
    if (options_.lowercase && (flags & kHasLower)) {
      const int n = UnicodeProps::lowercase(cp, mapped);
      out.append(mapped, mapped + n);
    } else {
      out += cp;
    }
  }
}

}  // namespace acgs::tok
