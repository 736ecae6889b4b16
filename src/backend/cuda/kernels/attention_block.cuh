#pragma once
// The prelude every attention kernel starts with: which query rows of which sequence and head its block
// covers, and whether it has anything to do. The grid is (query blocks, heads, sequence capacity), launched
// for a shape bucket (device_batch.h), so blocks past the batch's real sequences or past their sequence's
// length exit at once.
#include <cstddef>

#include "backend/cuda/kernels/device_batch.h"

namespace acgs::cuda {

struct AttentionBlock {
  bool idle;   // nothing to do: the kernel returns (the other fields are unset)
  int start;   // the sequence's first token: its rows in qkv and ctx are [start, start + len)
  int len;
  int q0;      // this block's first query row inside the sequence
  int dim;     // n_heads * head_dim: the width of ctx and of each of Q, K, V in a qkv row
  size_t ld;   // 3 * dim: the qkv row stride
  int col;     // the head's first column in Q and ctx; its K and V columns are at col + dim, col + 2 * dim
};

// Q = query rows per block. Reads offsets only for a sequence inside the batch.
template <int Q>
__device__ __forceinline__ AttentionBlock attention_block(const DeviceBatch& batch, int n_heads, int head_dim) {
  AttentionBlock b{};
  b.idle = true;
  const int seq = blockIdx.z;
  if (seq >= batch.counts[1]) return b;
  b.start = batch.offsets[seq];
  b.len = batch.offsets[seq + 1] - b.start;
  b.q0 = blockIdx.x * Q;
  if (b.q0 >= b.len) return b;
  b.idle = false;
  b.dim = n_heads * head_dim;
  b.ld = size_t(3) * b.dim;
  b.col = blockIdx.y * head_dim;
  return b;
}

}  // namespace acgs::cuda
