#include "model/sentence_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kTransformer = "sentence_transformers.models.Transformer";
constexpr const char* kPooling = "sentence_transformers.models.Pooling";
constexpr const char* kNormalize = "sentence_transformers.models.Normalize";

[[noreturn]] void bad(const fs::path& file, const std::string& what) {
  fail(ErrorKind::kInvalidModel, file.string() + ": " + what +
                                     "; acgs-infer runs sentence-transformers models made of Transformer, Pooling "
                                     "(cls, mean or max) and Normalize modules");
}

json read_json(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) bad(file, "cannot be read (modules.json names it)");
  std::ostringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) bad(file, "not valid JSON");
  return j;
}

bool read_bool(const json& j, const fs::path& file, const char* field, bool fallback) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) bad(file, std::string("field '") + field + "' must be true or false, got " + it->dump());
  return it->get<bool>();
}

// 1_Pooling/config.json: exactly one of the modes we run, and the encoder's width.
void read_pooling(const fs::path& file, int dim, SentenceConfig& out) {
  const json j = read_json(file);
  if (!j.is_object()) bad(file, "not a JSON object");
  if (const auto w = j.find("word_embedding_dimension"); w != j.end() && !(w->is_number_integer() && *w == dim))
    bad(file, "word_embedding_dimension " + w->dump() + " differs from the model's hidden size " +
                  std::to_string(dim) + ": the pooling config belongs to another model");
  for (const char* unsupported : {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                                  "pooling_mode_lasttoken"})
    if (read_bool(j, file, unsupported, false)) bad(file, std::string(unsupported) + " is not supported");
  int modes = 0;
  for (const auto& [field, name] : {std::pair{"pooling_mode_cls_token", "cls"},
                                    std::pair{"pooling_mode_mean_tokens", "mean"},
                                    std::pair{"pooling_mode_max_tokens", "max"}}) {
    if (read_bool(j, file, field, false)) {
      out.pooling = name;
      ++modes;
    }
  }
  if (modes != 1)
    bad(file, std::to_string(modes) + " pooling modes are set; exactly one of pooling_mode_cls_token, "
                                      "pooling_mode_mean_tokens and pooling_mode_max_tokens must be true "
                                      "(several would concatenate vectors)");
  out.include_prompt = read_bool(j, file, "include_prompt", true);
}

int read_max_seq_length(const fs::path& file) {
  const json j = read_json(file);
  const auto it = j.find("max_seq_length");
  if (!j.is_object() || it == j.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || *it < 1 || *it > (1 << 20))
    bad(file, "max_seq_length " + it->dump() + " must be a positive integer");
  return it->get<int>();
}

}  // namespace

SentenceConfig load_sentence_config(const fs::path& dir, int dim) {
  SentenceConfig out;
  std::error_code ec;
  const fs::path modules_file = dir / "modules.json";
  if (!fs::is_regular_file(modules_file, ec)) return out;
  out.declared = true;
  const json modules = read_json(modules_file);
  if (!modules.is_array()) bad(modules_file, "not a JSON array of modules");
  bool pooled = false;
  for (const json& m : modules) {
    const std::string type = m.is_object() && m.contains("type") && m["type"].is_string() ? m["type"] : "";
    const std::string path = m.is_object() && m.contains("path") && m["path"].is_string() ? m["path"] : "";
    if (type == kTransformer) continue;
    if (type == kPooling && !pooled && !out.normalize) {
      read_pooling(dir / path / "config.json", dim, out);
      pooled = true;
    } else if (type == kNormalize && pooled && !out.normalize) {
      out.normalize = true;
    } else {
      bad(modules_file, "module " + m.dump() + " is not supported here (expected Transformer, Pooling, then "
                                               "optionally Normalize, in that order)");
    }
  }
  if (!pooled) bad(modules_file, "no Pooling module");
  if (fs::is_regular_file(dir / "sentence_bert_config.json", ec))
    out.max_seq_length = read_max_seq_length(dir / "sentence_bert_config.json");
  return out;
}

void save_sentence_config(const SentenceConfig& config, int dim, const fs::path& dir) {
  auto write = [](const fs::path& file, const nlohmann::ordered_json& j) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) fail(ErrorKind::kInvalidArgument, "cannot write " + file.string() + ": check the directory is writable");
  };
  nlohmann::ordered_json modules = nlohmann::ordered_json::array();
  modules.push_back({{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", kTransformer}});
  modules.push_back({{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", kPooling}});
  if (config.normalize) modules.push_back({{"idx", 2}, {"name", "2"}, {"path", "2_Normalize"}, {"type", kNormalize}});
  write(dir / "modules.json", modules);
  write(dir / "1_Pooling" / "config.json",
        {{"word_embedding_dimension", dim},
         {"pooling_mode_cls_token", config.pooling == "cls"},
         {"pooling_mode_mean_tokens", config.pooling == "mean"},
         {"pooling_mode_max_tokens", config.pooling == "max"},
         {"pooling_mode_mean_sqrt_len_tokens", false},
         {"pooling_mode_weightedmean_tokens", false},
         {"pooling_mode_lasttoken", false},
         {"include_prompt", config.include_prompt}});
  if (config.normalize) {
    std::error_code ec;
    fs::create_directories(dir / "2_Normalize", ec);
  }
  write(dir / "sentence_bert_config.json", {{"max_seq_length", config.max_seq_length}, {"do_lower_case", false}});
}

}  // namespace acgs
