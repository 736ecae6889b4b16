#pragma once
// Shape buckets. A run's token count is rounded up to a bucket: GEMMs run at the bucket's row count (rows
// past the real tokens hold stale but finite data, are computed independently and never read back), and
// each bucket has its own tuned cuBLASLt algorithms and, per (tokens, sequences, longest sequence) bucket,
// its own CUDA graph. Steps grow with size so padding stays under ~20% past 256 tokens while the number of
// buckets (and thus graphs and tuning runs) stays small: 42 buckets for the default 64 x 128 budget.
#include <vector>

namespace acgs::cuda {

// Multiple of 16 up to 256, of 128 up to 2048, of 512 beyond.
int round_tokens(int tokens);
// Every bucket up to and including round_tokens(capacity), ascending.
std::vector<int> token_buckets(int capacity);
// Position of round_tokens(tokens) in token_buckets(capacity).
int token_bucket_index(int tokens);
// Sequence-count bucket: the next power of two (the attention grid covers this many sequences).
int round_sequences(int sequences);
// Longest-sequence bucket: a multiple of 64, the attention kernels' query tile.
int round_length(int length);

}  // namespace acgs::cuda
