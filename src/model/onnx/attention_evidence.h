#pragma once
// Evidence for a multi-head attention's head count (see proven_value.h), read from the graph around it:
//  - the Reshape that splits q, k or v into [.., .., n_heads, head_dim]: a constant n_heads, a constant
//    head_dim (n_heads = dim / head_dim), or either computed at run time as dim // constant (Shape ->
//    Gather -> Div -> Cast, what `x.view(bs, -1, H, dim // H)` with dim from x.size() exports);
//  - the scale of the scores, 1/sqrt(head_dim): constant factors on q, on k or on q·kᵀ.
// `-1` entries state nothing by themselves. Our kernels scale by 1/sqrt(head_dim), so a graph scaling by
// anything else (or by nothing the reader recognizes) is reported too.
#include <string>

#include "model/onnx/onnx_graph_index.h"
#include "model/onnx/proven_value.h"

namespace acgs {

struct AttentionEvidence {
  std::string split_reshape;  // name of q's head-split Reshape, or "" when none was found
  std::string scale_problem;  // why the scale is not 1/sqrt(head_dim) (or cannot be read); "" when fine
};

// q_out, k_out, v_out: the projections' outputs; scores: the MatMul where q and k meet; `layer` names the
// layer in evidence sources. Adds every head count the graph states to `heads`.
AttentionEvidence attention_evidence(const OnnxGraphIndex& graph, const std::string& q_out, const std::string& k_out,
                                     const std::string& v_out, const onnx::NodeProto& scores, int dim,
                                     const std::string& layer, ProvenValue<int>& heads);

}  // namespace acgs
