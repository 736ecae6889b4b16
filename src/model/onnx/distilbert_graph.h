#pragma once
// Finds a DistilBERT or BERT encoder in an ONNX graph by its structure and reads its weights into ModelWeights:
//   Gather(word_embeddings, input_ids) [+ Gather(token_type_embeddings, token_type_ids)] +
//   Gather(position_embeddings, positions) -> LayerNorm
// The same post-LN blocks follow in both; a token-type table (its index the token_type_ids input or zeros
// the graph makes) is what makes the model BERT.
//   per layer: three Linear of the hidden state (q, k, v: v feeds the MatMul after Softmax; q is the
//   left, k the right operand of the scores MatMul) -> out_lin -> + residual -> LayerNorm (sa) ->
//   lin1 -> GELU (Erf) or ReLU -> lin2 -> + residual -> LayerNorm (output)
// A Linear is MatMul(x, W[in, out]) (+ bias; torch's constant folding stores W transposed) or
// MatMul(x, Transpose(W[out, in])) or Gemm; a LayerNorm is LayerNormalization or its decomposition
// (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta). Whatever hangs off the
// encoder (classifier heads) is ignored.
#include <string>

#include "model/onnx/onnx_model_file.h"
#include "model/onnx/proven_value.h"
#include "model/weights.h"

namespace acgs {

struct DistilBertGraph {
  // The tensors; config's vocab_size, dim, n_layers, hidden_dim, max_position_embeddings and (BERT)
  // type_vocab_size are their shapes, model_type "bert" when a token-type table was found. The other
  // fields are not set here: the graph's evidence for them follows.
  ModelWeights weights;
  ProvenValue<int> n_heads{"the attention head count"};  // attention_evidence.h, every layer
  ProvenValue<float> layer_norm_eps{"the LayerNorm epsilon"};  // every LayerNorm
  ProvenValue<std::string> activation{"the FFN activation"};   // every layer
  std::string split_reshape;  // layer 0's q head-split Reshape, to name in messages ("" when none)
  std::string scale_problem;  // the first layer whose attention scale is not 1/sqrt(head_dim); "" if none
};

// Throws Error(kInvalidModel) saying what was found where a DistilBERT part was expected.
DistilBertGraph match_distilbert(const OnnxModelFile& file);

}  // namespace acgs
