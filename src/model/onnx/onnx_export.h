#pragma once
// ONNX export of our weights, without PyTorch: the graph torch.onnx.export(DistilBertModel, opset 14)
// computes, written op by op. Inputs input_ids and attention_mask (int64 [batch_size, sequence_length],
// both axes dynamic), output last_hidden_state (float [batch_size, sequence_length, dim]), the names the
// ACGS-2 seed exported. Opset 14 has neither LayerNormalization nor Gelu, so both are decomposed as
// torch decomposes them; padded keys get float's lowest value before the Softmax, like HF's masked_fill.
// Linear weights are stored [in, out] for MatMul, as torch's constant folding leaves them.
#include <cstdint>
#include <filesystem>
#include <string>

#include "model/weights.h"

namespace acgs {

inline constexpr int kOnnxExportOpset = 14;

struct OnnxExportResult {
  std::string sha256;  // of the written file
  uint64_t bytes = 0;
};

// Writes `out` atomically (a temporary file renamed into place), then loads it back through our ONNX
// importer and checks the config and every weight came back bit-identical. Error(kInvalidArgument) when
// `out` cannot be written; Error(kInternal) when the file does not read back as these weights.
OnnxExportResult export_onnx(const ModelWeights& weights, const std::filesystem::path& out);

}  // namespace acgs
