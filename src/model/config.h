#pragma once
// DistilBERT hyper-parameters, read from a Hugging Face config.json.
#include <filesystem>
#include <string>
#include <string_view>

namespace acgs {

struct ModelConfig {
  int vocab_size = 30522;
  int dim = 768;                  // hidden size
  int n_layers = 6;
  int n_heads = 12;
  int hidden_dim = 3072;          // FFN inner size
  int max_position_embeddings = 512;
  int pad_token_id = 0;
  float layer_norm_eps = 1e-12f;  // DistilBERT hard-codes 1e-12 in every LayerNorm
  std::string activation = "gelu";

  int head_dim() const { return dim / n_heads; }
};

// Throws Error(kInvalidModel) naming the file and field for a missing/ill-typed field or a config that
// is not a DistilBERT encoder (model_type, activation other than gelu, dim not divisible by n_heads...).
ModelConfig load_config(const std::filesystem::path& config_json);
// The same from config.json text already in memory; `source` names it in error messages.
ModelConfig parse_config(std::string_view json_text, const std::string& source);
// HF-compatible config.json text (what `synth` writes).
std::string config_to_json(const ModelConfig& config);

}  // namespace acgs
