#pragma once
// Fused multi-head self-attention over a packed variable-length batch: one kernel computes
// softmax(Q·Kᵀ / √head_dim) · V for every (sequence, head, query tile), flash-style: keys and values stream
// through shared memory in tiles while each query row keeps a running max and sum (online softmax, fp32),
// so the [len, len] score matrix never exists in memory and no padding token is ever touched.
//
// qkv: [tokens, 3 * dim], the merged QKV GEMM output: row t = [q | k | v], each dim = n_heads * head_dim
//      wide, head h at columns [h * head_dim, (h + 1) * head_dim) of each part.
// ctx: [tokens, dim], same head layout as q.
// The grid covers `seq_capacity` sequences and `max_len` queries per sequence; blocks past the batch's
// real sequence count (counts[1]) or past their sequence's length exit at once, so a captured graph serves
// any batch that fits its bucket. Sequences may have any length up to max_len (the model allows 512).
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "backend/cuda/kernels/device_batch.h"

namespace acgs::cuda {

// Largest supported head_dim (DistilBERT-base uses 64).
inline constexpr int kMaxHeadDim = 128;

// Once per process and device before the first launch: raises the kernel's shared-memory limit where it
// needs more than the default 48 KiB. Throws Error(kUnavailable) when head_dim is above kMaxHeadDim or the
// device cannot give the kernel enough shared memory.
template <typename T>
void prepare_attention(int head_dim);

// fp16: tensor-core (WMMA, fp16 inputs, fp32 accumulation) kernel. fp32: plain fp32 FMA kernel, exact to
// fp32 rounding (no TF32), for the fp32 mode's 1e-3 accuracy budget.
template <typename T>
void launch_attention(cudaStream_t stream, const DeviceBatch& batch, int seq_capacity, int max_len,
                      const T* qkv, int n_heads, int head_dim, T* ctx);

// The fp16 mode's alternative kernel, FlashAttention-2 style (mma.sync m16n8k16 through inline PTX, S and O
// in registers; attention_fp16_mma.cu). Same contract and results as launch_attention<__half> within fp16
// rounding; which of the two a backend runs is decided at startup by choose_fp16_attention.
void prepare_attention_fp16_mma(int head_dim);
void launch_attention_fp16_mma(cudaStream_t stream, const DeviceBatch& batch, int seq_capacity, int max_len,
                               const __half* qkv, int n_heads, int head_dim, __half* ctx);

template <>
void prepare_attention<float>(int head_dim);
template <>
void prepare_attention<__half>(int head_dim);
template <>
void launch_attention<float>(cudaStream_t, const DeviceBatch&, int, int, const float*, int, int, float*);
template <>
void launch_attention<__half>(cudaStream_t, const DeviceBatch&, int, int, const __half*, int, int, __half*);

}  // namespace acgs::cuda
