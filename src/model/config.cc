#include "model/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace acgs {
namespace {

using nlohmann::json;

// Bounds that keep every later size computation (elements, bytes, workspace) far from overflow; real
// DistilBERT-family models are orders of magnitude below them.
constexpr int64_t kMaxVocab = 1 << 22;
constexpr int64_t kMaxDim = 1 << 16;
constexpr int64_t kMaxLayers = 256;
constexpr int64_t kMaxHiddenDim = 1 << 18;
constexpr int64_t kMaxPositions = 1 << 16;
constexpr int64_t kMaxParameters = int64_t{4} << 30;  // 16 GiB of fp32

[[noreturn]] void bad_config(const std::string& source, const std::string& what) {
  fail(ErrorKind::kInvalidModel, source + ": " + what +
                                     "; acgs-infer needs a Hugging Face DistilBERT config.json (model_type "
                                     "\"distilbert\"), e.g. one written by `acgs-infer synth`");
}

int read_int(const json& root, const std::string& source, const char* field, int64_t min, int64_t max,
             const int* fallback) {
  const auto it = root.find(field);
  if (it == root.end() || it->is_null()) {
    if (fallback != nullptr) return *fallback;
    bad_config(source, std::string("missing field '") + field + "'");
  }
  if (!it->is_number_integer())
    bad_config(source, std::string("field '") + field + "' must be an integer, got " + it->dump());
  // Unsigned values above INT64_MAX read as negative here and are rejected by the range check.
  const int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX} ? -1 : it->get<int64_t>();
  if (v < min || v > max)
    bad_config(source, std::string("field '") + field + "' = " + it->dump() + " is outside [" + std::to_string(min) +
                           ", " + std::to_string(max) + "]");
  return static_cast<int>(v);
}

int64_t parameter_count(const ModelConfig& c) {
  const int64_t d = c.dim, h = c.hidden_dim;
  const int64_t per_layer = 4 * (d * d + d) + 2 * d * h + h + d + 4 * d;
  return (int64_t{c.vocab_size} + c.max_position_embeddings) * d + 2 * d + c.n_layers * per_layer;
}

}  // namespace

ModelConfig parse_config(std::string_view json_text, const std::string& source) {
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) bad_config(source, "not valid JSON");
  if (!root.is_object()) bad_config(source, "not a JSON object");

  const auto type_it = root.find("model_type");
  if (type_it == root.end()) bad_config(source, "missing field 'model_type'");
  if (!type_it->is_string() || type_it->get_ref<const std::string&>() != "distilbert")
    bad_config(source, "model_type " + type_it->dump() + " is not supported: only \"distilbert\" encoders run here");

  ModelConfig c;
  c.vocab_size = read_int(root, source, "vocab_size", 1, kMaxVocab, nullptr);
  c.dim = read_int(root, source, "dim", 1, kMaxDim, nullptr);
  c.n_layers = read_int(root, source, "n_layers", 1, kMaxLayers, nullptr);
  c.n_heads = read_int(root, source, "n_heads", 1, kMaxDim, nullptr);
  c.hidden_dim = read_int(root, source, "hidden_dim", 1, kMaxHiddenDim, nullptr);
  c.max_position_embeddings = read_int(root, source, "max_position_embeddings", 1, kMaxPositions, nullptr);
  const int default_pad = 0;
  c.pad_token_id = read_int(root, source, "pad_token_id", 0, c.vocab_size - 1, &default_pad);

  if (const auto act = root.find("activation"); act != root.end()) {
    if (!act->is_string() || act->get_ref<const std::string&>() != "gelu")
      bad_config(source, "field 'activation' = " + act->dump() + " is not supported: only \"gelu\" (exact erf GELU)");
  }
  if (c.dim % c.n_heads != 0)
    bad_config(source, "field 'dim' = " + std::to_string(c.dim) +
                           " is not divisible by 'n_heads' = " + std::to_string(c.n_heads));
  if (parameter_count(c) > kMaxParameters)
    bad_config(source, "the sizes describe " + std::to_string(parameter_count(c)) +
                           " parameters, above the supported " + std::to_string(kMaxParameters));
  return c;
}

ModelConfig load_config(const std::filesystem::path& config_json) {
  std::ifstream in(config_json, std::ios::binary);
  if (!in)
    fail(ErrorKind::kInvalidModel, "cannot read " + config_json.string() +
                                       ": a model directory needs config.json (make one with `acgs-infer synth`)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), config_json.string());
}

std::string config_to_json(const ModelConfig& config) {
  // Field set and values of DistilBertConfig.to_json_string() for a bare encoder.
  const nlohmann::ordered_json j = {
      {"activation", config.activation},
      {"architectures", {"DistilBertModel"}},
      {"attention_dropout", 0.1},
      {"dim", config.dim},
      {"dropout", 0.1},
      {"hidden_dim", config.hidden_dim},
      {"initializer_range", 0.02},
      {"max_position_embeddings", config.max_position_embeddings},
      {"model_type", "distilbert"},
      {"n_heads", config.n_heads},
      {"n_layers", config.n_layers},
      {"pad_token_id", config.pad_token_id},
      {"qa_dropout", 0.1},
      {"seq_classif_dropout", 0.2},
      {"sinusoidal_pos_embds", false},
      {"tie_weights_", true},
      {"vocab_size", config.vocab_size},
  };
  return j.dump(2) + "\n";
}

}  // namespace acgs
