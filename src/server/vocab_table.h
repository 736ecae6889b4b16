#pragma once
// Token id -> token text, for POST /tokenize's "text" field (the Tokenizer API maps text to ids only).
// Read from the model's vocab.txt (line n = id n), else from tokenizer.json's model.vocab and
// added_tokens. Ids without an entry map to "".
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace acgs::server {

class VocabTable {
 public:
  VocabTable() = default;
  // `tokenizer`: the model's tokenizer file (tokenizer.json or vocab.txt); a vocab.txt beside it wins.
  // Throws Error(kInvalidModel) when the file cannot be read.
  static VocabTable load(const std::filesystem::path& tokenizer);

  const std::string& text(int32_t id) const;

 private:
  std::vector<std::string> tokens_;
  std::string empty_;
};

}  // namespace acgs::server
