// Any byte string through the tokenizer: invalid UTF-8 must be an acgs::Error, everything else must give
// [CLS] … [SEP] within max_length. The first byte picks max_length and the tokenizer variant: uncased
// tokenizer.json, uncased vocab.txt, or vocab.txt with a cased tokenizer_config.json (no lowercasing, no
// accent stripping, no CJK spacing: the normalizer paths uncased BERT never takes).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace {

acgs::Tokenizer cased_from_config() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("acgs_fuzz_tokenizer_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(ACGS_SOURCE_DIR "/data/bert-base-uncased/vocab.txt", dir / "vocab.txt",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": false, "tokenize_chinese_chars": false})";
  acgs::Tokenizer tok = acgs::Tokenizer::from_dir(dir);
  fs::remove_all(dir);
  return tok;
}

const acgs::Tokenizer& tokenizer(uint8_t variant) {
  static const acgs::Tokenizer json = acgs::Tokenizer::from_file(ACGS_SOURCE_DIR "/data/bert-base-uncased/tokenizer.json");
  static const acgs::Tokenizer vocab = acgs::Tokenizer::from_file(ACGS_SOURCE_DIR "/data/bert-base-uncased/vocab.txt");
  static const acgs::Tokenizer cased = cased_from_config();
  return variant == 0 ? json : variant == 1 ? vocab : cased;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int max_lengths[] = {0, 2, 3, 16, 128, 0, 7, 512};
  const int max_length = max_lengths[data[0] & 7];
  const acgs::Tokenizer& tok = tokenizer(((data[0] >> 3) & 3) % 3);
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
