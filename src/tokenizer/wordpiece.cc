#include "tokenizer/wordpiece.h"

#include "common/error.h"

namespace acgs::tok {

WordPiece::WordPiece(const std::vector<std::pair<std::string, int32_t>>& vocab, const WordPieceOptions& options,
                     const std::string& source)
    : empty_prefix_(options.continuing_subword_prefix.empty()),
      max_chars_(static_cast<size_t>(options.max_input_chars_per_word)) {
  const std::string_view prefix = options.continuing_subword_prefix;
  for (const auto& [token, id] : vocab) {
    vocab_.insert(token, id);
    if (!empty_prefix_ && std::string_view(token).starts_with(prefix)) {
      continuation_.insert(std::string_view(token).substr(prefix.size()), id);
    }
  }
  unk_id_ = vocab_.find(options.unk_token);
  if (unk_id_ < 0) {
    fail(ErrorKind::kInvalidModel, source + ": the unknown token \"" + options.unk_token +
                                       "\" is not in the vocabulary; use a complete BERT vocab.txt/tokenizer.json");
  }
}

void WordPiece::tokenize(std::string_view word, std::span<const uint32_t> bounds,
                         std::vector<int32_t>& ids) const {
  const size_t chars = bounds.size() - 1;
  if (chars > max_chars_) {
    ids.push_back(unk_id_);
    return;
  }
  const size_t first_piece = ids.size();
  size_t start = 0;
  while (start < chars) {
    const VocabMap& map = (start == 0 || empty_prefix_) ? vocab_ : continuation_;
    const size_t max_bytes = map.max_key_bytes();
    int32_t id = -1;
    size_t end = chars;
    for (; end > start; --end) {
      const size_t bytes = bounds[end] - bounds[start];
      if (bytes > max_bytes) continue;
      id = map.find(word.substr(bounds[start], bytes));
      if (id >= 0) break;
    }
    if (id < 0) {
      ids.resize(first_piece);
      ids.push_back(unk_id_);
      return;
    }
    ids.push_back(id);
    start = end;
  }
}

}  // namespace acgs::tok
