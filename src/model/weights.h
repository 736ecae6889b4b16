#pragma once
// The one in-memory layout of DistilBERT weights shared by every backend: fp32, row-major, exactly the
// shapes Hugging Face stores. Linear weights are [out_features, in_features] (y = x·Wᵀ + b); backends
// repack (transpose, fuse QKV, quantize, convert to fp16) once at load from this.
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace acgs {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

struct LayerWeights {
  Tensor q_w, q_b;            // attention.q_lin   [dim, dim], [dim]
  Tensor k_w, k_b;            // attention.k_lin
  Tensor v_w, v_b;            // attention.v_lin
  Tensor out_w, out_b;        // attention.out_lin
  Tensor sa_norm_g, sa_norm_b;    // sa_layer_norm  [dim]
  Tensor ffn1_w, ffn1_b;      // ffn.lin1 [hidden_dim, dim], [hidden_dim]
  Tensor ffn2_w, ffn2_b;      // ffn.lin2 [dim, hidden_dim], [dim]
  Tensor out_norm_g, out_norm_b;  // output_layer_norm [dim]
};

struct ModelWeights {
  ModelConfig config;
  Tensor word_embeddings;      // embeddings.word_embeddings [vocab, dim]
  Tensor position_embeddings;  // embeddings.position_embeddings [max_pos, dim]
  Tensor emb_norm_g, emb_norm_b;  // embeddings.LayerNorm [dim]
  std::vector<LayerWeights> layers;
  std::string sha256;  // hex digest of the weights file as stored on disk; identifies the model in plans
};

}  // namespace acgs
