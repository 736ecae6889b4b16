#pragma once
// How the engine cuts a mixed-length batch into backend calls: sequences sorted by length (so each call
// holds similar lengths, which is what the CUDA backend's token buckets and the CPU's attention tiles
// like), then consecutive runs of at most max_batch sequences and token_budget tokens. A sequence longer
// than the budget runs alone. Results are scattered back to input order by the caller.
#include <span>
#include <vector>

#include "model/token_batch.h"

namespace acgs {

struct BatchChunk {
  std::vector<int> sequences;  // indices into the input batch, shortest first
  TokenBatch batch;            // those sequences, packed in that order
};

// Throws Error(kInvalidArgument) for max_batch < 1 or token_budget < 1.
std::vector<BatchChunk> split_batch(const TokenBatch& batch, int max_batch, int token_budget);

// Copies the rows of `chunk_rows` (one row per token of chunk.batch, `width` floats each) to the rows
// those tokens have in `input` (packed like the input batch).
void scatter_token_rows(const BatchChunk& chunk, const TokenBatch& input, std::span<const float> chunk_rows,
                        std::span<float> out, int width);
// Copies row s of `chunk_rows` (one row per sequence) to row chunk.sequences[s] of `out`.
void scatter_sequence_rows(const BatchChunk& chunk, std::span<const float> chunk_rows, std::span<float> out,
                           int width);

}  // namespace acgs
