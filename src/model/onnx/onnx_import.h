#pragma once
// ONNX import: a DistilBERT or BERT encoder exported to ONNX (torch.onnx.export, optimum) mapped onto
// ModelWeights (BERT: token_type_ids an input or made in the graph, single texts use row 0).
// The mapping follows the graph, not only tensor names: constant folding renames linear weights to
// onnx::MatMul_NNN and stores them transposed ([in, out]); Identity nodes alias shared initializers;
// DistilBertModel / BertModel and *For* (prefix "distilbert." / "bert.") exports all occur. Tensors may live in
// external-data files (data_location EXTERNAL), read relative to the model file and bounds-checked.
#include <filesystem>

#include "model/weights.h"

namespace acgs {

// Every configuration value is proven, never guessed (proven_value.h): sizes from the tensors' shapes,
// n_heads from the attention graph (attention_evidence.h), LayerNorm eps and activation from the nodes
// computing them, and `config_json` (may be empty: optimum puts config.json beside model.onnx) as one more
// source of each. Throws Error(kInvalidModel) saying what was found when the file is not a readable
// DistilBERT or BERT encoder graph, when a value has no source (naming the head-split Reshape and asking for
// config.json), or when two sources disagree. weights.sha256 is the digest of the .onnx file.
ModelWeights load_onnx_weights(const std::filesystem::path& onnx_file, const std::filesystem::path& config_json);

}  // namespace acgs
