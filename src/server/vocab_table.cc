#include "server/vocab_table.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace acgs::server {
namespace {

void put(std::vector<std::string>& tokens, int64_t id, std::string text) {
  if (id < 0 || id > 10'000'000) return;  // not a plausible vocabulary id; /tokenize shows "" for it
  if (tokens.size() <= static_cast<size_t>(id)) tokens.resize(static_cast<size_t>(id) + 1);
  tokens[static_cast<size_t>(id)] = std::move(text);
}

}  // namespace

VocabTable VocabTable::load(const std::filesystem::path& tokenizer) {
  VocabTable table;
  const std::filesystem::path vocab_txt =
      tokenizer.filename() == "vocab.txt" ? tokenizer : tokenizer.parent_path() / "vocab.txt";
  if (std::ifstream in(vocab_txt); in) {
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      table.tokens_.push_back(std::move(line));
    }
    return table;
  }
  std::ifstream in(tokenizer);
  if (!in) fail(ErrorKind::kInvalidModel, "cannot read tokenizer file " + tokenizer.string());
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    fail(ErrorKind::kInvalidModel, tokenizer.string() + " is not a JSON object; re-export the tokenizer");
  if (auto model = json.find("model"); model != json.end() && model->is_object()) {
    if (auto vocab = model->find("vocab"); vocab != model->end() && vocab->is_object())
      for (const auto& [token, id] : vocab->items())
        if (id.is_number_integer()) put(table.tokens_, id.get<int64_t>(), token);
  }
  if (auto added = json.find("added_tokens"); added != json.end() && added->is_array())
    for (const auto& t : *added)
      if (t.is_object() && t.value("id", nlohmann::json()).is_number_integer() && t.value("content", nlohmann::json()).is_string())
        put(table.tokens_, t["id"].get<int64_t>(), t["content"].get<std::string>());
  return table;
}

const std::string& VocabTable::text(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < tokens_.size() ? tokens_[static_cast<size_t>(id)] : empty_;
}

}  // namespace acgs::server
