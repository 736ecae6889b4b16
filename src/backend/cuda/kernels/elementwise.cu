#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/elementwise.h"

namespace acgs::cuda {
namespace {

constexpr int kThreads = 256;
constexpr unsigned kMaxBlocks = 4096;  // grid-stride loops beyond this

// Blocks for `chunks` V-wide chunks, capped: the loops stride over the grid, so the cap only bounds the
// launch size, and the real (smaller) count comes from counts[0] on the device.
dim3 chunk_grid(long long chunks) {
  const unsigned blocks = div_up(chunks, kThreads);
  return dim3(blocks < kMaxBlocks ? (blocks > 0 ? blocks : 1) : kMaxBlocks);
}

template <typename T, int V>
__global__ void __launch_bounds__(kThreads) gelu_kernel(const int* counts, int cols, T* x) {
  const long long chunks = static_cast<long long>(counts[0]) * cols / V;
  for (long long i = blockIdx.x * static_cast<long long>(kThreads) + threadIdx.x; i < chunks;
       i += static_cast<long long>(gridDim.x) * kThreads) {
    float v[V];
    load_vec<V>(x + i * V, v);
#pragma unroll
    for (int j = 0; j < V; ++j) v[j] = 0.5f * v[j] * (1.0f + erff(v[j] * 0.70710678118654752f));
    store_vec<V>(x + i * V, v);
  }
}

template <int V>
__global__ void __launch_bounds__(kThreads) half_to_float_kernel(const int* counts, int cols, const __half* src,
                                                                  float* dst) {
  const long long chunks = static_cast<long long>(counts[0]) * cols / V;
  for (long long i = blockIdx.x * static_cast<long long>(kThreads) + threadIdx.x; i < chunks;
       i += static_cast<long long>(gridDim.x) * kThreads) {
    float v[V];
    load_vec<V>(src + i * V, v);
    store_vec<V>(dst + i * V, v);
  }
}

}  // namespace

template <typename T>
void launch_gelu(cudaStream_t stream, const int* counts, int rows, int cols, T* x) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return;
  if (cols % kVec<T> == 0)
    gelu_kernel<T, kVec<T>><<<chunk_grid(n / kVec<T>), kThreads, 0, stream>>>(counts, cols, x);
  else
    gelu_kernel<T, 1><<<chunk_grid(n), kThreads, 0, stream>>>(counts, cols, x);
  check_launch("gelu_kernel");
}

void launch_half_to_float(cudaStream_t stream, const int* counts, int rows, int cols, const __half* src,
                          float* dst) {
  const long long n = static_cast<long long>(rows) * cols;
  if (n <= 0) return;
  // 4-wide: a float4 store and an 8-byte half load per thread, both aligned when cols % 4 == 0.
  if (cols % 4 == 0)
    half_to_float_kernel<4><<<chunk_grid(n / 4), kThreads, 0, stream>>>(counts, cols, src, dst);
  else
    half_to_float_kernel<1><<<chunk_grid(n), kThreads, 0, stream>>>(counts, cols, src, dst);
  check_launch("half_to_float_kernel");
}

template void launch_gelu<float>(cudaStream_t, const int*, int, int, float*);
template void launch_gelu<__half>(cudaStream_t, const int*, int, int, __half*);

}  // namespace acgs::cuda
