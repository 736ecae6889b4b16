#include "backend/cuda/token_buckets.h"

namespace acgs::cuda {
namespace {

constexpr int kSmallStep = 16, kSmallLimit = 256;
constexpr int kMidStep = 128, kMidLimit = 2048;
constexpr int kLargeStep = 512;

int round_up(int x, int step) { return (x + step - 1) / step * step; }

}  // namespace

int round_tokens(int tokens) {
  if (tokens <= kSmallLimit) return round_up(tokens < 1 ? 1 : tokens, kSmallStep);
  if (tokens <= kMidLimit) return round_up(tokens, kMidStep);
  return round_up(tokens, kLargeStep);
}

std::vector<int> token_buckets(int capacity) {
  std::vector<int> buckets;
  const int last = round_tokens(capacity);
  for (int t = kSmallStep; t <= last; t = round_tokens(t + 1)) buckets.push_back(t);
  return buckets;
}

int token_bucket_index(int tokens) {
  const int bucket = round_tokens(tokens);
  if (bucket <= kSmallLimit) return bucket / kSmallStep - 1;
  const int small = kSmallLimit / kSmallStep;
  if (bucket <= kMidLimit) return small + (bucket - kSmallLimit) / kMidStep - 1;
  const int mid = (kMidLimit - kSmallLimit) / kMidStep;
  return small + mid + (bucket - kMidLimit) / kLargeStep - 1;
}

int round_sequences(int sequences) {
  int n = 1;
  while (n < sequences) n *= 2;
  return n;
}

int round_length(int length) { return round_up(length < 1 ? 1 : length, 64); }

}  // namespace acgs::cuda
