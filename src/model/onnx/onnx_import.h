#pragma once
// ONNX import: a DistilBERT encoder exported to ONNX (torch.onnx.export, optimum) mapped onto ModelWeights.
// The mapping follows the graph, not only tensor names: constant folding renames linear weights to
// onnx::MatMul_NNN and stores them transposed ([in, out]); Identity nodes alias shared initializers;
// DistilBertModel and DistilBertFor* (prefix "distilbert.") exports both occur. Tensors may live in
// external-data files (data_location EXTERNAL), read relative to the model file and bounds-checked.
#include <filesystem>

#include "model/weights.h"

namespace acgs {

// `config_json` may be empty: the shapes then come from the graph (dim, layers, hidden_dim, vocab,
// positions; heads from the attention Reshape constants, else dim / 64; LayerNorm eps where the graph
// shows it). Throws Error(kInvalidModel) saying what was found when the file is not a readable DistilBERT
// encoder graph, or when config_json's layer_norm_eps differs from the graph's. weights.sha256 is the
// digest of the .onnx file.
ModelWeights load_onnx_weights(const std::filesystem::path& onnx_file, const std::filesystem::path& config_json);

}  // namespace acgs
