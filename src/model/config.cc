#include "model/config.h"

#include <cstdio>
#include <cstdlib>
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
                                     "; acgs-infer needs a Hugging Face DistilBERT or BERT config.json (model_type "
                                     "\"distilbert\" or \"bert\"), e.g. one written by `acgs-infer synth`");
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
  return (int64_t{c.vocab_size} + c.max_position_embeddings + c.type_vocab_size) * d + 2 * d + c.n_layers * per_layer;
}

// A string field that must be one of `allowed` when present (absent: `fallback`).
std::string read_choice(const json& root, const std::string& source, const char* field,
                        bool (*allowed)(std::string_view), const std::string& fallback, const std::string& choices) {
  const auto it = root.find(field);
  if (it == root.end() || it->is_null()) return fallback;
  if (!it->is_string() || !allowed(it->get_ref<const std::string&>()))
    bad_config(source, std::string("field '") + field + "' = " + it->dump() + " is not supported: use " + choices +
                           " (other values would change the model's math, so they are refused, not approximated)");
  return it->get<std::string>();
}

float read_eps(const json& root, const std::string& source) {
  const auto it = root.find("layer_norm_eps");
  if (it == root.end() || it->is_null()) return 1e-12f;
  if (!it->is_number() || !(it->get<double>() > 0.0) || it->get<double>() > 1.0)
    bad_config(source, "field 'layer_norm_eps' = " + it->dump() + " must be a number in (0, 1]");
  return static_cast<float>(it->get<double>());
}

// Flags of BertConfig that turn the encoder into something else (a decoder, cross-attention); we run
// encoders only, so they must be absent or false.
void refuse_true_flag(const json& root, const std::string& source, const char* field) {
  const auto it = root.find(field);
  if (it != root.end() && !(it->is_boolean() && !it->get<bool>()) && !it->is_null())
    bad_config(source, std::string("field '") + field + "' = " + it->dump() +
                           " is not supported: only plain encoders (false or absent) run here");
}

void read_distilbert(const json& root, const std::string& source, ModelConfig& c) {
  c.dim = read_int(root, source, "dim", 1, kMaxDim, nullptr);
  c.n_layers = read_int(root, source, "n_layers", 1, kMaxLayers, nullptr);
  c.n_heads = read_int(root, source, "n_heads", 1, kMaxDim, nullptr);
  c.hidden_dim = read_int(root, source, "hidden_dim", 1, kMaxHiddenDim, nullptr);
  c.activation = read_choice(
      root, source, "activation", [](std::string_view a) { return a == "gelu"; }, "gelu", "\"gelu\" (exact erf GELU)");
}

void read_bert(const json& root, const std::string& source, ModelConfig& c) {
  c.dim = read_int(root, source, "hidden_size", 1, kMaxDim, nullptr);
  c.n_layers = read_int(root, source, "num_hidden_layers", 1, kMaxLayers, nullptr);
  c.n_heads = read_int(root, source, "num_attention_heads", 1, kMaxDim, nullptr);
  c.hidden_dim = read_int(root, source, "intermediate_size", 1, kMaxHiddenDim, nullptr);
  const int default_types = 2;
  c.type_vocab_size = read_int(root, source, "type_vocab_size", 1, 1 << 10, &default_types);
  c.activation = read_choice(root, source, "hidden_act", is_supported_activation, "gelu",
                             "\"gelu\", \"gelu_new\" or \"relu\"");
  c.layer_norm_eps = read_eps(root, source);
  read_choice(
      root, source, "position_embedding_type", [](std::string_view p) { return p == "absolute"; }, "absolute",
      "\"absolute\" (relative_key / relative_key_query attention is not implemented)");
  refuse_true_flag(root, source, "is_decoder");
  refuse_true_flag(root, source, "add_cross_attention");
}

}  // namespace

ModelConfig parse_config(std::string_view json_text, const std::string& source) {
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) bad_config(source, "not valid JSON");
  if (!root.is_object()) bad_config(source, "not a JSON object");

  const auto type_it = root.find("model_type");
  if (type_it == root.end()) bad_config(source, "missing field 'model_type'");
  const bool known = type_it->is_string() && (type_it->get_ref<const std::string&>() == "distilbert" ||
                                              type_it->get_ref<const std::string&>() == "bert");
  if (!known)
    bad_config(source, "model_type " + type_it->dump() +
                           " is not supported: only \"distilbert\" and \"bert\" encoders run here");

  ModelConfig c;
  c.model_type = type_it->get<std::string>();
  c.vocab_size = read_int(root, source, "vocab_size", 1, kMaxVocab, nullptr);
  if (c.is_bert()) {
    read_bert(root, source, c);
  } else {
    read_distilbert(root, source, c);
  }
  c.max_position_embeddings = read_int(root, source, "max_position_embeddings", 1, kMaxPositions, nullptr);
  const int default_pad = 0;
  c.pad_token_id = read_int(root, source, "pad_token_id", 0, c.vocab_size - 1, &default_pad);
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

namespace {

// The float as the short decimal Python would write for it (1e-12, not 9.999999960041972e-13).
double shortest_decimal(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.7g", static_cast<double>(v));
  return std::strtod(text, nullptr);
}

// Field set and values of BertConfig.to_json_string() for a bare encoder.
std::string bert_config_json(const ModelConfig& config) {
  const nlohmann::ordered_json j = {
      {"architectures", {"BertModel"}},
      {"attention_probs_dropout_prob", 0.1},
      {"classifier_dropout", nullptr},
      {"hidden_act", config.activation},
      {"hidden_dropout_prob", 0.1},
      {"hidden_size", config.dim},
      {"initializer_range", 0.02},
      {"intermediate_size", config.hidden_dim},
      {"layer_norm_eps", shortest_decimal(config.layer_norm_eps)},
      {"max_position_embeddings", config.max_position_embeddings},
      {"model_type", "bert"},
      {"num_attention_heads", config.n_heads},
      {"num_hidden_layers", config.n_layers},
      {"pad_token_id", config.pad_token_id},
      {"position_embedding_type", "absolute"},
      {"type_vocab_size", config.type_vocab_size},
      {"use_cache", true},
      {"vocab_size", config.vocab_size},
  };
  return j.dump(2) + "\n";
}

}  // namespace

std::string config_to_json(const ModelConfig& config) {
  if (config.is_bert()) return bert_config_json(config);
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
