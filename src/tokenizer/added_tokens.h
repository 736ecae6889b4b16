#pragma once
// Added (special) tokens such as [CLS] or [MASK] are found in the raw text before normalization, as HF's
// AddedVocabulary does for non-normalized tokens: leftmost match first, the longest token at that
// position wins, matches do not overlap. The text between matches goes through the normal pipeline.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acgs::tok {

class AddedTokens {
 public:
  void add(std::string content, int32_t id);
  bool empty() const { return tokens_.empty(); }

  // on_text(std::string_view) for each non-empty stretch between matches, on_token(int32_t id) for each
  // match, in text order. Either returns false to stop early.
  template <class OnText, class OnToken>
  void split(std::string_view text, OnText&& on_text, OnToken&& on_token) const {
    size_t done = 0;
    for (size_t i = 0; i < text.size();) {
      const auto [length, id] = match_at(text, i);
      if (length == 0) {
        ++i;
        continue;
      }
      if (i > done && !on_text(text.substr(done, i - done))) return;
      if (!on_token(id)) return;
      i += length;
      done = i;
    }
    if (done < text.size()) on_text(text.substr(done));
  }

 private:
  // (length, id) of the longest token starting at text[pos], or (0, -1).
  std::pair<size_t, int32_t> match_at(std::string_view text, size_t pos) const;

  std::vector<std::pair<std::string, int32_t>> tokens_;
  std::array<bool, 256> first_byte_{};
};

}  // namespace acgs::tok
