#pragma once
// HF BertPreTokenizer over normalized code points: whitespace separates words and is dropped, every
// punctuation char is a word of its own.
#include <string_view>

#include "tokenizer/unicode_props.h"

namespace acgs::tok {

// Calls on_word(std::u32string_view) for each word in order; stops early when it returns false.
// Returns false if stopped early.
template <class OnWord>
bool for_each_word(std::u32string_view text, const UnicodeProps& props, OnWord&& on_word) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t flags = props.flags(text[i]);
    if (!(flags & (kSpace | kPunct))) continue;
    if (i > start && !on_word(text.substr(start, i - start))) return false;
    if ((flags & kPunct) && !on_word(text.substr(i, 1))) return false;
    start = i + 1;
  }
  return start >= text.size() || on_word(text.substr(start));
}

}  // namespace acgs::tok
