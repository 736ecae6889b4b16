#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/pooling.h"

namespace acgs::cuda {
namespace {

constexpr int kThreads = 256;

// Threads stride over columns, so the loads of each token row are coalesced; each thread later rescales
// only the columns it wrote itself, so no barrier is needed between writing and normalizing.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    pool_kernel(DeviceBatch batch, const T* hidden, int dim, bool mean, bool normalize, float* pooled) {
  const int seq = blockIdx.x;
  if (seq >= batch.counts[1]) return;  // the grid covers a sequence bucket (graph capture)
  const int start = batch.offsets[seq];
  const int len = mean ? batch.offsets[seq + 1] - start : 1;
  float* out = pooled + size_t(seq) * dim;
  float sq = 0.0f;
  for (int c = threadIdx.x; c < dim; c += kThreads) {
    float sum = 0.0f;
    for (int t = 0; t < len; ++t) sum += to_f32(hidden[size_t(start + t) * dim + c]);
    const float v = sum / len;
    out[c] = v;
    sq += v * v;
  }
  if (!normalize) return;
  const float inv = 1.0f / fmaxf(sqrtf(block_sum(sq)), 1e-12f);
  for (int c = threadIdx.x; c < dim; c += kThreads) out[c] *= inv;
}

}  // namespace

template <typename T>
void launch_pool(cudaStream_t stream, const DeviceBatch& batch, int sequences, const T* hidden, int dim,
                 bool mean, bool normalize, float* pooled) {
  if (sequences <= 0) return;
  pool_kernel<T><<<sequences, kThreads, 0, stream>>>(batch, hidden, dim, mean, normalize, pooled);
  check_launch("pool_kernel");
}

template void launch_pool<float>(cudaStream_t, const DeviceBatch&, int, const float*, int, bool, bool, float*);
template void launch_pool<__half>(cudaStream_t, const DeviceBatch&, int, const __half*, int, bool, bool,
                                  float*);

}  // namespace acgs::cuda
