#include "engine/batching.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "common/error.h"

namespace acgs {

std::vector<BatchChunk> split_batch(const TokenBatch& batch, int max_batch, int token_budget) {
  if (max_batch < 1 || token_budget < 1)
    fail(ErrorKind::kInvalidArgument, "batch limits must be positive (max batch " + std::to_string(max_batch) +
                                          ", token budget " + std::to_string(token_budget) + ")");
  std::vector<int> order(static_cast<size_t>(batch.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return batch.length(a) < batch.length(b); });
  std::vector<BatchChunk> chunks;
  for (int i : order) {
    const int len = batch.length(i);
    const bool fits = !chunks.empty() && chunks.back().batch.size() < max_batch &&
                      chunks.back().batch.total_tokens() + len <= token_budget;
    if (!fits) chunks.emplace_back();
    chunks.back().sequences.push_back(i);
    chunks.back().batch.add(batch.sequence(i));
  }
  return chunks;
}

void scatter_token_rows(const BatchChunk& chunk, const TokenBatch& input, std::span<const float> chunk_rows,
                        std::span<float> out, int width) {
  const size_t w = static_cast<size_t>(width);
  for (size_t s = 0; s < chunk.sequences.size(); ++s) {
    const int seq = chunk.sequences[s];
    const size_t n = static_cast<size_t>(input.length(seq)) * w;
    const auto src = chunk_rows.subspan(static_cast<size_t>(chunk.batch.offsets[s]) * w, n);
    std::copy(src.begin(), src.end(), out.begin() + static_cast<std::ptrdiff_t>(input.offsets[seq] * w));
  }
}

void scatter_sequence_rows(const BatchChunk& chunk, std::span<const float> chunk_rows, std::span<float> out,
                           int width) {
  const size_t w = static_cast<size_t>(width);
  for (size_t s = 0; s < chunk.sequences.size(); ++s) {
    const auto src = chunk_rows.subspan(s * w, w);
    std::copy(src.begin(), src.end(), out.begin() + static_cast<std::ptrdiff_t>(chunk.sequences[s] * w));
  }
}

}  // namespace acgs
