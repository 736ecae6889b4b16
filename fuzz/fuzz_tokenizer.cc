// Any byte string through the tokenizer: invalid UTF-8 must be an acgs::Error, everything else must give
// [CLS] … [SEP] within max_length. The first byte picks max_length and the tokenizer variant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace {

const acgs::Tokenizer& tokenizer(bool from_vocab) {
  static const acgs::Tokenizer json = acgs::Tokenizer::from_file(ACGS_SOURCE_DIR "/data/bert-base-uncased/tokenizer.json");
  static const acgs::Tokenizer vocab = acgs::Tokenizer::from_file(ACGS_SOURCE_DIR "/data/bert-base-uncased/vocab.txt");
  return from_vocab ? vocab : json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int max_lengths[] = {0, 2, 3, 16, 128, 0, 7, 512};
  const int max_length = max_lengths[data[0] & 7];
  const acgs::Tokenizer& tok = tokenizer((data[0] & 8) != 0);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const auto ids = tok.encode(text, max_length);
    if (ids.size() < 2 || ids.front() != tok.cls_id() || ids.back() != tok.sep_id()) __builtin_trap();
    if (max_length > 0 && ids.size() > static_cast<size_t>(max_length)) __builtin_trap();
    for (const int32_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
    }
  } catch (const acgs::Error& e) {
    if (e.kind() != acgs::ErrorKind::kInvalidArgument) __builtin_trap();
  }
  return 0;
}
