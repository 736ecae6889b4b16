#include "model/onnx/onnx_import.h"

#include <cmath>

#include "common/error.h"
#include "model/config.h"
#include "model/onnx/distilbert_graph.h"
#include "model/onnx/onnx_model_file.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Every tensor has the shape the config implies and holds finite values.
void validate(const ModelWeights& w, const std::string& where) {
  for (const ConstTensorSlot& slot : tensor_slots(w)) {
    if (slot.tensor->shape != slot.shape || static_cast<int64_t>(slot.tensor->data.size()) != slot.tensor->numel())
      fail(ErrorKind::kInvalidModel, where + ": weight for '" + slot.name + "' has shape " +
                                         shape_string(slot.tensor->shape) + " but the config implies " +
                                         shape_string(slot.shape) + "; the graph and the config disagree");
    for (float v : slot.tensor->data)
      if (!std::isfinite(v))
        fail(ErrorKind::kInvalidModel, where + ": weight for '" + slot.name + "' holds a non-finite value");
  }
}

// config.json's sizes must be the ones the graph's tensors have.
void check_sizes(const ModelConfig& graph, const ModelConfig& file, const std::string& where,
                 const std::string& config_json) {
  const std::pair<const char*, int ModelConfig::*> fields[] = {
      {"vocab_size", &ModelConfig::vocab_size}, {"dim", &ModelConfig::dim},
      {"n_layers", &ModelConfig::n_layers}, {"hidden_dim", &ModelConfig::hidden_dim},
      {"max_position_embeddings", &ModelConfig::max_position_embeddings},
      {"type_vocab_size", &ModelConfig::type_vocab_size}};
  for (const auto& [name, field] : fields) {
    ProvenValue<int> size(name);
    size.add(graph.*field, "the graph's tensors");
    size.add(file.*field, config_json);
    size.value(where, "", "fix " + config_json + " or re-export the model");
  }
}

std::string conflict_fix(const std::string& config_json) { return "fix " + config_json + " or re-export the model"; }

}  // namespace

ModelWeights load_onnx_weights(const std::filesystem::path& onnx_file, const std::filesystem::path& config_json) {
  const OnnxModelFile file(onnx_file);
  DistilBertGraph graph = match_distilbert(file);
  ModelConfig& config = graph.weights.config;
  const std::string where = file.where();
  const std::string fix = "put the model's config.json (with " +
                          std::string(config.is_bert() ? "num_attention_heads" : "n_heads") +
                          ", as optimum exports it) beside " +
                          onnx_file.filename().string();
  std::string conflict = "re-export the model";
  if (!config_json.empty()) {
    // config.json beside the model is one more source for each value; pad_token_id only it can state (it
    // enters no computation: padding is masked).
    const std::string source = config_json.string();
    const ModelConfig from_file = load_config(config_json);
    if (from_file.model_type != config.model_type)
      fail(ErrorKind::kInvalidModel, where + ": " + source + " says model_type " + from_file.model_type +
                                         " but the graph is a " + config.model_type + " encoder (" +
                                         (config.is_bert() ? "it has a" : "it has no") +
                                         " token-type embedding); " + conflict_fix(source));
    check_sizes(config, from_file, where, source);
    const bool bert = from_file.is_bert();
    graph.n_heads.add(from_file.n_heads, source + (bert ? " num_attention_heads" : " n_heads"));
    graph.layer_norm_eps.add(from_file.layer_norm_eps,
                             source + (bert ? " layer_norm_eps" : " (model_type distilbert: LayerNorm eps 1e-12)"));
    graph.activation.add(from_file.activation, source + (bert ? " hidden_act" : " activation"));
    config.pad_token_id = from_file.pad_token_id;
    conflict = conflict_fix(source);
  }
  const std::string split = graph.split_reshape.empty() ? "no head-split Reshape of q was found"
                                                        : "the head-split Reshape '" + graph.split_reshape + "'";
  config.n_heads = graph.n_heads.value(
      where,
      split + " states neither n_heads nor head_dim as a constant or as dim // constant, and no constant "
              "1/sqrt(head_dim) scales the attention scores; " + fix,
      conflict);
  if (config.dim % config.n_heads != 0)
    fail(ErrorKind::kInvalidModel, where + ": " + std::to_string(config.n_heads) +
                                       " attention heads do not divide dim " + std::to_string(config.dim));
  if (!graph.scale_problem.empty())
    fail(ErrorKind::kInvalidModel, where + ": " + graph.scale_problem +
                                       "; acgs-infer computes softmax(q·kᵀ / sqrt(head_dim)) and cannot run it");
  config.layer_norm_eps = graph.layer_norm_eps.value(where, fix, conflict);
  config.activation = graph.activation.value(where, fix, conflict);
  // DistilBERT's config.json can only say gelu. A Tanh is taken for gelu_new without its constants being
  // checked, so it is refused rather than run as gelu_new.
  if (config.activation != "gelu" && !(config.is_bert() && config.activation == "relu"))
    fail(ErrorKind::kInvalidModel, where + ": the FFN activation is " + config.activation + "; acgs-infer imports " +
                                       (config.is_bert() ? "exact (erf) GELU or ReLU" : "exact (erf) GELU only") +
                                       " from ONNX" +
                                       (config.is_bert() ? " (load the PyTorch checkpoint's folder instead)" : ""));
  validate(graph.weights, where);
  graph.weights.sha256 = file.sha256();
  return std::move(graph.weights);
}

}  // namespace acgs
