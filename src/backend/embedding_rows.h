#pragma once
// The per-position rows a backend adds to each token's word embedding before the embedding LayerNorm.
#include <vector>

#include "model/weights.h"

namespace acgs {

// [max_position_embeddings, dim]: position_embeddings, plus BERT's token-type row 0 (single texts have
// token_type_ids all 0, so that row is the same constant for every token). Summed once at load so the
// optimized backends run BERT with DistilBERT's embedding kernel; the sum's one extra fp32 rounding is
// ~1e-8 of the embedding, far below any backend's tolerance.
std::vector<float> position_rows(const ModelWeights& weights);

}  // namespace acgs
