#include "tokenizer/unicode_props.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace acgs::tok {
namespace {

struct CodepointRange {
  char32_t first, last;
};
struct CodepointMapping {
  char32_t from;
  int length;
  char32_t to[4];
};

#include "tokenizer/unicode_tables.inc"

// handle_chinese_chars' "CJK Unified Ideographs" ranges, as listed in HF's normalizers/bert.rs.
constexpr CodepointRange kCjkRanges[] = {
    {0x4E00, 0x9FFF},   {0x3400, 0x4DBF},   {0x20000, 0x2A6DF}, {0x2A700, 0x2B73F},
    {0x2B740, 0x2B81F}, {0x2B920, 0x2CEAF}, {0xF900, 0xFAFF},   {0x2F800, 0x2FA1F},
};

// Hangul syllables decompose algorithmically (Unicode ch. 3.12) into 2 or 3 conjoining jamo.
constexpr char32_t kHangulFirst = 0xAC00, kHangulLast = 0xD7A3;
constexpr char32_t kLeadBase = 0x1100, kVowelBase = 0x1161, kTrailBase = 0x11A7;
constexpr int kVowelCount = 21, kTrailCount = 28;

constexpr char32_t kCodepoints = 0x110000;

template <size_t N>
void mark_ranges(std::vector<uint8_t>& flags, const CodepointRange (&ranges)[N], uint8_t flag) {
  for (const auto& r : ranges) {
    for (char32_t cp = r.first; cp <= r.last; ++cp) flags[cp] |= flag;
  }
}

template <size_t N>
int lookup(const CodepointMapping (&table)[N], char32_t cp, char32_t* out) {
  const auto* it = std::lower_bound(std::begin(table), std::end(table), cp,
                                    [](const CodepointMapping& m, char32_t c) { return m.from < c; });
  if (it == std::end(table) || it->from != cp) {
    out[0] = cp;
    return 1;
  }
  std::copy(it->to, it->to + it->length, out);
  return it->length;
}

}  // namespace

const UnicodeProps& UnicodeProps::get() {
  static const UnicodeProps props;
  return props;
}

UnicodeProps::UnicodeProps() {
  std::vector<uint8_t> flags(kCodepoints, 0);
  mark_ranges(flags, kDropRanges, kDrop);
  mark_ranges(flags, kSpaceRanges, kSpace);
  mark_ranges(flags, kPunctRanges, kPunct);
  mark_ranges(flags, kMarkRanges, kMark);
  mark_ranges(flags, kCjkRanges, kCjk);
  for (const auto& m : kLowercase) flags[m.from] |= kHasLower;
  for (const auto& m : kDecomposition) flags[m.from] |= kHasDecomp;
  for (char32_t cp = kHangulFirst; cp <= kHangulLast; ++cp) flags[cp] |= kHasDecomp;
  for (char32_t cp = 0; cp < kCodepoints; ++cp) {
    if (combining_class(cp) != 0) flags[cp] |= kCombining;
  }

  std::map<std::string, uint16_t> unique_blocks;
  stage1_.resize(kCodepoints >> 8);
  for (size_t block = 0; block < stage1_.size(); ++block) {
    std::string key(reinterpret_cast<const char*>(flags.data() + block * 256), 256);
    auto [it, inserted] = unique_blocks.emplace(key, static_cast<uint16_t>(unique_blocks.size()));
    if (inserted) stage2_.insert(stage2_.end(), key.begin(), key.end());
    stage1_[block] = it->second;
  }
}

int UnicodeProps::lowercase(char32_t cp, char32_t* out) { return lookup(kLowercase, cp, out); }

int UnicodeProps::decompose(char32_t cp, char32_t* out) {
  if (cp >= kHangulFirst && cp <= kHangulLast) {
    const int s = static_cast<int>(cp - kHangulFirst);
    out[0] = kLeadBase + s / (kVowelCount * kTrailCount);
    out[1] = kVowelBase + (s % (kVowelCount * kTrailCount)) / kTrailCount;
    if (s % kTrailCount == 0) return 2;
    out[2] = kTrailBase + s % kTrailCount;
    return 3;
  }
  return lookup(kDecomposition, cp, out);
}

uint8_t UnicodeProps::combining_class(char32_t cp) {
  // Surrogates never reach here from valid UTF-8, but the table is built over the whole range.
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return static_cast<uint8_t>(utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class);
}

}  // namespace acgs::tok
