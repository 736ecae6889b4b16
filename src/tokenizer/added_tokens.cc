#include "tokenizer/added_tokens.h"

namespace acgs::tok {

void AddedTokens::add(std::string content, int32_t id) {
  if (content.empty()) return;  // HF ignores empty added tokens
  for (auto& [existing, existing_id] : tokens_) {
    if (existing == content) {
      existing_id = id;
      return;
    }
  }
  first_byte_[static_cast<uint8_t>(content[0])] = true;
  tokens_.emplace_back(std::move(content), id);
}

std::pair<size_t, int32_t> AddedTokens::match_at(std::string_view text, size_t pos) const {
  if (!first_byte_[static_cast<uint8_t>(text[pos])]) return {0, -1};
  const std::string_view rest = text.substr(pos);
  std::pair<size_t, int32_t> best{0, -1};
  for (const auto& [content, id] : tokens_) {
    if (content.size() > best.first && rest.starts_with(content)) best = {content.size(), id};
  }
  return best;
}

}  // namespace acgs::tok
