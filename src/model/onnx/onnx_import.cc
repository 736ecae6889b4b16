#include "model/onnx/onnx_import.h"

#include <cmath>

#include "common/error.h"
#include "common/short_number.h"
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
void validate(const ModelWeights& w, const std::string& where, const std::string& config_source) {
  for (const ConstTensorSlot& slot : tensor_slots(w)) {
    if (slot.tensor->shape != slot.shape || static_cast<int64_t>(slot.tensor->data.size()) != slot.tensor->numel())
      fail(ErrorKind::kInvalidModel, where + ": weight for '" + slot.name + "' has shape " +
                                         shape_string(slot.tensor->shape) + " but " + config_source + " implies " +
                                         shape_string(slot.shape) + "; the graph and the config disagree");
    for (float v : slot.tensor->data)
      if (!std::isfinite(v))
        fail(ErrorKind::kInvalidModel, where + ": weight for '" + slot.name + "' holds a non-finite value");
  }
}

}  // namespace

ModelWeights load_onnx_weights(const std::filesystem::path& onnx_file, const std::filesystem::path& config_json) {
  const OnnxModelFile file(onnx_file);
  DistilBertGraph graph = match_distilbert(file);
  ModelWeights& weights = graph.weights;
  std::string config_source = "the graph";
  if (!config_json.empty()) {
    // config.json beside the model wins for what the graph cannot show (pad id, head count); the eps the
    // graph computes with must agree with it.
    const ModelConfig from_file = load_config(config_json);
    if (graph.eps_in_graph && from_file.layer_norm_eps != weights.config.layer_norm_eps)
      fail(ErrorKind::kInvalidModel, file.where() + ": the graph's LayerNorms use eps " +
                                         short_number(weights.config.layer_norm_eps) + " but " +
                                         config_json.string() + " says layer_norm_eps " +
                                         short_number(from_file.layer_norm_eps) +
                                         "; fix the config or re-export the model");
    weights.config = from_file;
    config_source = config_json.string();
  }
  if (weights.config.n_layers != static_cast<int>(weights.layers.size()))
    fail(ErrorKind::kInvalidModel, file.where() + ": the graph has " + std::to_string(weights.layers.size()) +
                                       " encoder layers but " + config_source + " says " +
                                       std::to_string(weights.config.n_layers));
  if (weights.config.n_heads < 1 || weights.config.dim % weights.config.n_heads != 0)
    fail(ErrorKind::kInvalidModel, file.where() + ": " + std::to_string(weights.config.n_heads) +
                                       " attention heads do not divide dim " + std::to_string(weights.config.dim));
  validate(weights, file.where(), config_source);
  weights.sha256 = file.sha256();
  return std::move(graph.weights);
}

}  // namespace acgs
