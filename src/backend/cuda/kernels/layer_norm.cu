#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/layer_norm.h"

namespace acgs::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;

// Rows of at most 32 * N chunks (fp16 dim <= 256 N, fp32 dim <= 128 N): each lane loads its chunks
// lane, lane + 32, ... into registers once, all loads in flight together, and both statistics come from the
// registers. The three-pass version below waits for one load per chunk in a row (runtime trip count) and
// reads the row twice more behind dependent reductions: ~6.5 us per call at 128 rows on the H100 profile,
// a latency cost paid 13 times per batch-1 forward. Same summation order as the three-pass version. In
// place is safe: every load of the row happens before the first store.
template <typename T, int V, int N, typename Load>
__device__ void layer_norm_row_cached(Load load, int dim, const float* gamma, const float* beta, float eps, T* out) {
  const int lane = threadIdx.x & 31;
  const int chunks = dim / V;
  float x[N][V];
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < N; ++k)
    if (lane + 32 * k < chunks) load(lane + 32 * k, x[k]);
#pragma unroll
  for (int k = 0; k < N; ++k)
    if (lane + 32 * k < chunks)
#pragma unroll
      for (int v = 0; v < V; ++v) sum += x[k][v];
  const float mean = warp_sum(sum) / dim;
  float sq = 0.0f;
#pragma unroll
  for (int k = 0; k < N; ++k)
    if (lane + 32 * k < chunks)
#pragma unroll
      for (int v = 0; v < V; ++v) sq += (x[k][v] - mean) * (x[k][v] - mean);
  const float rstd = rsqrtf(warp_sum(sq) / dim + eps);
#pragma unroll
  for (int k = 0; k < N; ++k) {
    const int i = lane + 32 * k;
    if (i >= chunks) continue;
    float g[V], b[V];
    load_vec<V>(gamma + i * V, g);
    load_vec<V>(beta + i * V, b);
#pragma unroll
    for (int v = 0; v < V; ++v) x[k][v] = (x[k][v] - mean) * rstd * g[v] + b[v];
    store_vec<V>(out + size_t(i) * V, x[k]);
  }
}

// Normalizes one row whose V-wide chunk i is produced by load(i, x). The row is re-read for each pass
// instead of being cached in registers so any dim works; the re-reads hit L1. Writing `out` in place over
// an input is safe: a lane stores chunk i only after the warp-wide reductions, i.e. after every lane has
// finished reading, and in the last pass it reads chunk i before storing it.
template <typename T, int V, typename Load>
__device__ void layer_norm_row(Load load, int dim, const float* gamma, const float* beta, float eps, T* out) {
  const int lane = threadIdx.x & 31;
  const int chunks = dim / V;
  float sum = 0.0f;
  for (int i = lane; i < chunks; i += 32) {
    float x[V];
    load(i, x);
#pragma unroll
    for (int v = 0; v < V; ++v) sum += x[v];
  }
  const float mean = warp_sum(sum) / dim;
  float sq = 0.0f;
  for (int i = lane; i < chunks; i += 32) {
    float x[V];
    load(i, x);
#pragma unroll
    for (int v = 0; v < V; ++v) sq += (x[v] - mean) * (x[v] - mean);
  }
  const float rstd = rsqrtf(warp_sum(sq) / dim + eps);
  for (int i = lane; i < chunks; i += 32) {
    float x[V], g[V], b[V];
    load(i, x);
    load_vec<V>(gamma + i * V, g);
    load_vec<V>(beta + i * V, b);
#pragma unroll
    for (int v = 0; v < V; ++v) x[v] = (x[v] - mean) * rstd * g[v] + b[v];
    store_vec<V>(out + size_t(i) * V, x);
  }
}

// N = 0: any dim, three passes over the row; N > 0: the row in registers.
template <typename T, int V, int N, typename Load>
__device__ __forceinline__ void normalize_row(Load load, int dim, const float* gamma, const float* beta, float eps,
                                              T* out) {
  if constexpr (N == 0)
    layer_norm_row<T, V>(load, dim, gamma, beta, eps, out);
  else
    layer_norm_row_cached<T, V, N>(load, dim, gamma, beta, eps, out);
}

__device__ __forceinline__ int warp_row() { return blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5); }

template <typename T, int V, int N>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    embedding_layer_norm_kernel(DeviceBatch batch, const T* word, const T* position, const float* gamma,
                                const float* beta, int dim, float eps, T* out) {
  const int row = warp_row();
  if (row >= batch.counts[0]) return;
  const int2 token = batch.tokens[row];
  const T* w = word + size_t(token.x) * dim;
  const T* p = position + size_t(token.y) * dim;
  auto load = [&](int i, float(&x)[V]) {
    float y[V];
    load_vec<V>(w + i * V, x);
    load_vec<V>(p + i * V, y);
#pragma unroll
    for (int v = 0; v < V; ++v) x[v] += y[v];
  };
  normalize_row<T, V, N>(load, dim, gamma, beta, eps, out + size_t(row) * dim);
}

template <typename T, int V, int N>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    add_layer_norm_kernel(const int* counts, T* x, const T* y, const float* gamma, const float* beta, int dim,
                          float eps) {
  const int row = warp_row();
  if (row >= counts[0]) return;
  T* xr = x + size_t(row) * dim;
  const T* yr = y + size_t(row) * dim;
  auto load = [&](int i, float(&a)[V]) {
    float b[V];
    load_vec<V>(xr + i * V, a);
    load_vec<V>(yr + i * V, b);
#pragma unroll
    for (int v = 0; v < V; ++v) a[v] += b[v];
  };
  normalize_row<T, V, N>(load, dim, gamma, beta, eps, xr);
}

dim3 row_grid(int rows) { return dim3(div_up(rows, kWarpsPerBlock)); }

// Calls f.template operator()<V, N>() with the widest access dim allows and the smallest register-cache
// size N in {1, 2, 3, 4, 6, 8} holding the row per lane, or N = 0 (three passes) for wider rows.
template <typename T, typename F>
void with_row_shape(int dim, F f) {
  auto cached = [&]<int V>() {
    const int per_lane = int(div_up(dim / V, 32));
    if (per_lane <= 1) f.template operator()<V, 1>();
    else if (per_lane <= 2) f.template operator()<V, 2>();
    else if (per_lane <= 3) f.template operator()<V, 3>();
    else if (per_lane <= 4) f.template operator()<V, 4>();
    else if (per_lane <= 6) f.template operator()<V, 6>();
    else if (per_lane <= 8) f.template operator()<V, 8>();
    else f.template operator()<V, 0>();
  };
  if (dim % kVec<T> == 0)
    cached.template operator()<kVec<T>>();
  else
    cached.template operator()<1>();
}

}  // namespace

template <typename T>
void launch_embedding_layer_norm(cudaStream_t stream, const DeviceBatch& batch, int rows, const T* word,
                                 const T* position, const float* gamma, const float* beta, int dim, float eps,
                                 T* out) {
  if (rows <= 0) return;
  with_row_shape<T>(dim, [&]<int V, int N>() {
    embedding_layer_norm_kernel<T, V, N><<<row_grid(rows), kWarpsPerBlock * 32, 0, stream>>>(
        batch, word, position, gamma, beta, dim, eps, out);
  });
  check_launch("embedding_layer_norm_kernel");
}

template <typename T>
void launch_add_layer_norm(cudaStream_t stream, const int* counts, int rows, T* x, const T* y,
                           const float* gamma, const float* beta, int dim, float eps) {
  if (rows <= 0) return;
  with_row_shape<T>(dim, [&]<int V, int N>() {
    add_layer_norm_kernel<T, V, N><<<row_grid(rows), kWarpsPerBlock * 32, 0, stream>>>(counts, x, y, gamma, beta,
                                                                                        dim, eps);
  });
  check_launch("add_layer_norm_kernel");
}

template void launch_embedding_layer_norm<float>(cudaStream_t, const DeviceBatch&, int, const float*,
                                                 const float*, const float*, const float*, int, float, float*);
template void launch_embedding_layer_norm<__half>(cudaStream_t, const DeviceBatch&, int, const __half*,
                                                  const __half*, const float*, const float*, int, float, __half*);
template void launch_add_layer_norm<float>(cudaStream_t, const int*, int, float*, const float*, const float*,
                                           const float*, int, float);
template void launch_add_layer_norm<__half>(cudaStream_t, const int*, int, __half*, const __half*,
                                            const float*, const float*, int, float);

}  // namespace acgs::cuda
