#include "backend/pooling.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"

namespace acgs {

void check_batch(const TokenBatch& batch, const ModelConfig& config) {
  if (batch.size() <= 0) fail(ErrorKind::kInvalidArgument, "empty batch: give at least one sequence");
  for (int i = 0; i < batch.size(); ++i) {
    const int len = batch.length(i);
    if (len <= 0)
      fail(ErrorKind::kInvalidArgument,
           "sequence " + std::to_string(i) + " has no tokens: every sequence needs at least [CLS] [SEP]");
    if (len > config.max_position_embeddings)
      fail(ErrorKind::kInvalidArgument,
           "sequence " + std::to_string(i) + " has " + std::to_string(len) + " tokens, more than the model's " +
               std::to_string(config.max_position_embeddings) + " positions: truncate it (--max-length)");
  }
  for (size_t t = 0; t < batch.ids.size(); ++t) {
    const int32_t id = batch.ids[t];
    if (id < 0 || id >= config.vocab_size)
      fail(ErrorKind::kInvalidArgument, "token id " + std::to_string(id) + " at packed position " +
                                            std::to_string(t) + " is outside the vocabulary [0, " +
                                            std::to_string(config.vocab_size) + ")");
  }
}

void check_output(std::span<const float> out, size_t expected, const char* what) {
  if (out.size() != expected)
    fail(ErrorKind::kInvalidArgument, std::string(what) + " buffer has " + std::to_string(out.size()) +
                                          " floats, expected " + std::to_string(expected));
}

void l2_normalize_rows(std::span<float> rows, int dim) {
  for (size_t r = 0; r + dim <= rows.size(); r += dim) {
    double sq = 0;
    for (int j = 0; j < dim; ++j) sq += double(rows[r + j]) * rows[r + j];
    // Same floor as torch.nn.functional.normalize (eps 1e-12) so a zero row stays zero instead of NaN.
    const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
    for (int j = 0; j < dim; ++j) rows[r + j] *= inv;
  }
}

void pool(const TokenBatch& batch, int dim, std::span<const float> hidden, Pooling pooling, bool normalize,
          std::span<float> pooled) {
  check_output(hidden, size_t(batch.total_tokens()) * dim, "hidden");
  check_output(pooled, size_t(batch.size()) * dim, "pooled");
  for (int i = 0; i < batch.size(); ++i) {
    float* dst = pooled.data() + size_t(i) * dim;
    const float* src = hidden.data() + size_t(batch.offsets[i]) * dim;
    const int len = batch.length(i);
    if (pooling == Pooling::kCls) {
      std::copy(src, src + dim, dst);
      continue;
    }
    if (pooling == Pooling::kMax) {
      std::copy(src, src + dim, dst);
      for (int t = 1; t < len; ++t)
        for (int j = 0; j < dim; ++j) dst[j] = std::max(dst[j], src[size_t(t) * dim + j]);
      continue;
    }
    std::vector<double> acc(dim, 0.0);
    for (int t = 0; t < len; ++t)
      for (int j = 0; j < dim; ++j) acc[j] += src[size_t(t) * dim + j];
    for (int j = 0; j < dim; ++j) dst[j] = static_cast<float>(acc[j] / len);
  }
  if (normalize) l2_normalize_rows(pooled, dim);
}

void Backend::embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) {
  const int dim = config().dim;
  std::vector<float> hidden(size_t(batch.total_tokens()) * dim);
  forward(batch, hidden);
  pool(batch, dim, hidden, pooling, normalize, pooled);
}

}  // namespace acgs
