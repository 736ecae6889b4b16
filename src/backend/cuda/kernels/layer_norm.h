#pragma once
// LayerNorm kernels, fused with what precedes each LayerNorm in DistilBERT. Activations are row-major
// [rows, dim] in T (__half or float); gamma/beta stay fp32; statistics are computed in fp32 with two passes
// (mean, then centered variance) and the biased variance of torch.nn.LayerNorm. One warp per row, 16-byte
// accesses when dim is a multiple of 16 / sizeof(T), scalar accesses for any other dim.
// `rows` is the launch capacity; rows at or past batch.counts[0] / counts[0] are left untouched.
#include <cuda_runtime.h>

#include "backend/cuda/kernels/device_batch.h"

namespace acgs::cuda {

// out[t] = LN(word[id(t)] + position[position(t)]) for each packed token t.
// word: [vocab, dim], position: [max_positions, dim], out: [rows, dim].
template <typename T>
void launch_embedding_layer_norm(cudaStream_t stream, const DeviceBatch& batch, int rows, const T* word,
                                 const T* position, const float* gamma, const float* beta, int dim, float eps,
                                 T* out);

// x = LN(x + y), in place over the residual stream x: [rows, dim]; y: [rows, dim] (a GEMM output whose
// bias the GEMM epilogue already added).
template <typename T>
void launch_add_layer_norm(cudaStream_t stream, const int* counts, int rows, T* x, const T* y,
                           const float* gamma, const float* beta, int dim, float eps);

}  // namespace acgs::cuda
