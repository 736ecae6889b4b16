#pragma once
// Encoder hyper-parameters of the families we run (DistilBERT, BERT), read from a Hugging Face config.json.
// Both are post-LayerNorm encoders with learned absolute positions; BERT adds a token-type embedding
// (row 0 for single texts) and takes its activation and LayerNorm eps from the config.
#include <filesystem>
#include <string>
#include <string_view>

namespace acgs {

struct ModelConfig {
  std::string model_type = "distilbert";  // "distilbert" | "bert"
  int vocab_size = 30522;
  int dim = 768;                  // hidden size
  int n_layers = 6;
  int n_heads = 12;
  int hidden_dim = 3072;          // FFN inner size
  int max_position_embeddings = 512;
  int pad_token_id = 0;
  int type_vocab_size = 0;        // BERT's token-type rows; 0 for DistilBERT (no token-type embedding)
  float layer_norm_eps = 1e-12f;  // DistilBERT hard-codes 1e-12 in every LayerNorm
  std::string activation = "gelu";  // one of supported_activations()

  int head_dim() const { return dim / n_heads; }
  bool is_bert() const { return model_type == "bert"; }
};

// The FFN activations every CPU backend runs, in Hugging Face's ACT2FN spelling: "gelu" (exact erf),
// "gelu_new" (the tanh approximation), "relu".
inline bool is_supported_activation(std::string_view name) {
  return name == "gelu" || name == "gelu_new" || name == "relu";
}

// Throws Error(kInvalidModel) naming the file and field for a missing/ill-typed field or a config that
// is not an encoder we run (model_type, activation, position_embedding_type, dim not divisible by heads...).
ModelConfig load_config(const std::filesystem::path& config_json);
// The same from config.json text already in memory; `source` names it in error messages.
ModelConfig parse_config(std::string_view json_text, const std::string& source);
// HF-compatible config.json text (what `synth` writes): DistilBertConfig or BertConfig fields.
std::string config_to_json(const ModelConfig& config);

}  // namespace acgs
