#pragma once
// The one in-memory layout of encoder weights (DistilBERT, BERT) shared by every backend: fp32, row-major, exactly the
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

// DistilBERT names first, BERT's after the slash (model/tensor_slots.h spells them in full).
struct LayerWeights {
  Tensor q_w, q_b;            // attention.q_lin / attention.self.query   [dim, dim], [dim]
  Tensor k_w, k_b;            // attention.k_lin / attention.self.key
  Tensor v_w, v_b;            // attention.v_lin / attention.self.value
  Tensor out_w, out_b;        // attention.out_lin / attention.output.dense
  Tensor sa_norm_g, sa_norm_b;    // sa_layer_norm / attention.output.LayerNorm  [dim]
  Tensor ffn1_w, ffn1_b;      // ffn.lin1 / intermediate.dense [hidden_dim, dim], [hidden_dim]
  Tensor ffn2_w, ffn2_b;      // ffn.lin2 / output.dense [dim, hidden_dim], [dim]
  Tensor out_norm_g, out_norm_b;  // output_layer_norm / output.LayerNorm [dim]
};

struct ModelWeights {
  ModelConfig config;
  Tensor word_embeddings;      // embeddings.word_embeddings [vocab, dim]
  Tensor position_embeddings;  // embeddings.position_embeddings [max_pos, dim]
  // BERT only (empty for DistilBERT): embeddings.token_type_embeddings [type_vocab_size, dim]. Single texts
  // have token_type_ids all 0, so every backend adds row 0 to every token's embedding.
  Tensor token_type_embeddings;
  Tensor emb_norm_g, emb_norm_b;  // embeddings.LayerNorm [dim]
  std::vector<LayerWeights> layers;
  std::string sha256;  // hex digest of the weights file as stored on disk; identifies the model in plans
};

}  // namespace acgs
