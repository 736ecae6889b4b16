#pragma once
// The device layout of the weights, built once on the host from ModelWeights (or read back from a plan,
// which stores exactly these blobs): Q, K and V fused into one [3 * dim, dim] weight and [3 * dim] bias
// (rows q | k | v, so the merged GEMM's output row is [q | k | v]); matrices, biases and embeddings in the
// compute type (fp16 or fp32); LayerNorm gamma/beta always fp32 (they feed fp32 statistics).
#include <cstdint>
#include <string>
#include <vector>

#include "model/weights.h"

namespace acgs::cuda {

struct HostBlob {
  std::string name;  // e.g. "layers.3.qkv_w"
  std::string dtype;  // "f16" | "f32"
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

// Names of the blobs, shared by packing, plan writing and uploading.
std::string layer_blob(int layer, const char* what);

// Every blob of the model in `dtype` ("f16" or "f32"). Error(kInvalidModel) when a tensor's size does not
// match the config.
std::vector<HostBlob> pack_weights(const ModelWeights& weights, const std::string& dtype);

}  // namespace acgs::cuda
