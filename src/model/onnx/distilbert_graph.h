#pragma once
// Finds a DistilBERT encoder in an ONNX graph by its structure and reads its weights into ModelWeights:
//   Gather(word_embeddings, input_ids) + Gather(position_embeddings, positions) -> LayerNorm
//   per layer: three Linear of the hidden state (q, k, v: v feeds the MatMul after Softmax; q is the
//   left, k the right operand of the scores MatMul) -> out_lin -> + residual -> LayerNorm (sa) ->
//   lin1 -> GELU (Erf) -> lin2 -> + residual -> LayerNorm (output)
// A Linear is MatMul(x, W[in, out]) (+ bias; torch's constant folding stores W transposed) or
// MatMul(x, Transpose(W[out, in])) or Gemm; a LayerNorm is LayerNormalization or its decomposition
// (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta). Whatever hangs off the
// encoder (classifier heads) is ignored.
#include "model/onnx/onnx_model_file.h"
#include "model/weights.h"

namespace acgs {

struct DistilBertGraph {
  ModelWeights weights;
  // weights.config.layer_norm_eps was read from the graph: LayerNormalization's epsilon attribute, or the
  // constant the decomposition adds to the variance (the same in every LayerNorm, else an error).
  bool eps_in_graph = false;
};

// config fields derived from the graph: vocab_size, dim, n_layers, n_heads (from the attention Reshape
// constants, else dim / 64), hidden_dim, max_position_embeddings, and layer_norm_eps where the graph
// shows it. Throws Error(kInvalidModel) saying what was found where a DistilBERT part was expected.
DistilBertGraph match_distilbert(const OnnxModelFile& file);

}  // namespace acgs
