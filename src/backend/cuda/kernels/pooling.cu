#include <algorithm>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/pooling.h"

namespace acgs::cuda {
namespace {

constexpr int kThreads = 1024;
// Partial sums of the token groups stay within the default static shared-memory limit.
constexpr int kPartialBytes = 48 * 1024;

// One block per sequence. Work item (chunk c, group g) sums the V-wide column chunk c over the tokens
// g, g + groups, ...: at 1 x 128 x 768 fp16 that is 96 chunks x 10 groups of 13 tokens each instead of one
// thread walking all 128 tokens of 3 columns, so the block issues its 16-byte loads in parallel. With
// several groups the partial sums meet in shared memory; with one group (very wide rows) each thread
// finishes its own chunks and later rescales only what it wrote, so no barrier is needed there.
template <typename T, int V>
__global__ void __launch_bounds__(kThreads)
    pool_kernel(DeviceBatch batch, const T* hidden, int dim, int groups, bool mean, bool normalize, float* pooled) {
  extern __shared__ float group_sums[];  // [groups][dim] when groups > 1
  const int seq = blockIdx.x;
  if (seq >= batch.counts[1]) return;  // the grid covers a sequence bucket (graph capture)
  const int start = batch.offsets[seq];
  const int len = mean ? batch.offsets[seq + 1] - start : 1;
  const int chunks = dim / V;
  const T* rows = hidden + size_t(start) * dim;
  float* out = pooled + size_t(seq) * dim;
  float sq = 0.0f;
  for (int item = threadIdx.x; item < chunks * groups; item += kThreads) {
    const int c = item % chunks, g = item / chunks;
    float sum[V] = {};
#pragma unroll 4
    for (int t = g; t < len; t += groups) {
      float x[V];
      load_vec<V>(rows + size_t(t) * dim + c * V, x);
#pragma unroll
      for (int v = 0; v < V; ++v) sum[v] += x[v];
    }
    if (groups > 1) {
#pragma unroll
      for (int v = 0; v < V; ++v) group_sums[g * dim + c * V + v] = sum[v];
    } else {
#pragma unroll
      for (int v = 0; v < V; ++v) {
        sum[v] /= len;
        sq += sum[v] * sum[v];
      }
      store_vec<V>(out + c * V, sum);
    }
  }
  if (groups > 1) {
    __syncthreads();
    for (int j = threadIdx.x; j < dim; j += kThreads) {
      float sum = 0.0f;
      for (int g = 0; g < groups; ++g) sum += group_sums[g * dim + j];
      const float v = sum / len;
      out[j] = v;
      sq += v * v;
    }
  }
  if (!normalize) return;
  const float inv = 1.0f / fmaxf(sqrtf(block_sum(sq)), 1e-12f);
  if (groups > 1) {
    for (int j = threadIdx.x; j < dim; j += kThreads) out[j] *= inv;
  } else {
    for (int c = threadIdx.x; c < chunks; c += kThreads)
#pragma unroll
      for (int v = 0; v < V; ++v) out[c * V + v] *= inv;
  }
}

template <typename T, int V>
void launch(cudaStream_t stream, const DeviceBatch& batch, int sequences, const T* hidden, int dim, bool mean,
            bool normalize, float* pooled) {
  const int chunks = dim / V;
  int groups = std::max(1, kThreads / chunks);
  groups = std::min(groups, kPartialBytes / int(sizeof(float) * dim));
  if (groups < 2) groups = 1;
  const size_t smem = groups > 1 ? size_t(groups) * dim * sizeof(float) : 0;
  pool_kernel<T, V><<<sequences, kThreads, smem, stream>>>(batch, hidden, dim, groups, mean, normalize, pooled);
}

}  // namespace

template <typename T>
void launch_pool(cudaStream_t stream, const DeviceBatch& batch, int sequences, const T* hidden, int dim,
                 bool mean, bool normalize, float* pooled) {
  if (sequences <= 0) return;
  if (dim % kVec<T> == 0)
    launch<T, kVec<T>>(stream, batch, sequences, hidden, dim, mean, normalize, pooled);
  else
    launch<T, 1>(stream, batch, sequences, hidden, dim, mean, normalize, pooled);
  check_launch("pool_kernel");
}

template void launch_pool<float>(cudaStream_t, const DeviceBatch&, int, const float*, int, bool, bool, float*);
template void launch_pool<__half>(cudaStream_t, const DeviceBatch&, int, const __half*, int, bool, bool,
                                  float*);

}  // namespace acgs::cuda
