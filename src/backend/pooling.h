#pragma once
// Pooling of packed hidden states on the host. hidden: [total_tokens, dim]; pooled: [batch.size(), dim].
#include <span>

#include "backend/backend.h"

namespace acgs {

// kMean averages each sequence's tokens (every packed token is a real token, so this equals HF's
// attention-mask-weighted mean); kCls takes the first token; kMax the per-column maximum over the tokens
// (every packed token is real, so no padding can win). normalize divides each row by its L2 norm.
void pool(const TokenBatch& batch, int dim, std::span<const float> hidden, Pooling pooling, bool normalize,
          std::span<float> pooled);
void l2_normalize_rows(std::span<float> rows, int dim);

}  // namespace acgs
