// fp32 attention: one thread per query row holds its query and output accumulator in registers; key/value
// tiles of kKeys rows are staged in shared memory and read by all threads (broadcast, no bank conflicts).
// Scores of a tile are computed first, then the running max/sum and the accumulator are rescaled once per
// tile. The head dimension is zero-padded to the template bound D so register arrays are indexed only by
// compile-time constants.
#include <cmath>
#include <string>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/attention_block.cuh"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/head_dim_dispatch.h"

namespace acgs::cuda {
namespace {

constexpr int kQueries = 64;  // threads per block = query rows per block
constexpr int kKeys = 32;

template <int D>
__global__ void __launch_bounds__(kQueries)
    attention_fp32_kernel(DeviceBatch batch, const float* qkv, int n_heads, int head_dim, float scale,
                          float* ctx) {
  const auto [idle, start, len, q0, dim, ld, col] = attention_block<kQueries>(batch, n_heads, head_dim);
  if (idle) return;
  const int qi = q0 + threadIdx.x;
  const bool active = qi < len;

  __shared__ float ks[kKeys][D];
  __shared__ float vs[kKeys][D];

  float q[D], acc[D];
#pragma unroll
  for (int d = 0; d < D; ++d) {
    q[d] = active && d < head_dim ? qkv[size_t(start + qi) * ld + col + d] * scale : 0.0f;
    acc[d] = 0.0f;
  }
  float m = -INFINITY, l = 0.0f;

  for (int k0 = 0; k0 < len; k0 += kKeys) {
    const int n = min(kKeys, len - k0);
    __syncthreads();  // the previous tile is no longer read
    for (int i = threadIdx.x; i < kKeys * D; i += kQueries) {
      const int r = i / D, d = i % D;
      const bool ok = r < n && d < head_dim;
      const size_t at = size_t(start + k0 + r) * ld + col + d;
      ks[r][d] = ok ? qkv[at + dim] : 0.0f;
      vs[r][d] = ok ? qkv[at + 2 * dim] : 0.0f;
    }
    __syncthreads();
    float s[kKeys];
    float tile_max = -INFINITY;
#pragma unroll
    for (int j = 0; j < kKeys; ++j) {
      float dot = 0.0f;
#pragma unroll
      for (int d = 0; d < D; ++d) dot = fmaf(q[d], ks[j][d], dot);
      s[j] = j < n ? dot : -INFINITY;
      tile_max = fmaxf(tile_max, s[j]);
    }
    const float m_new = fmaxf(m, tile_max);
    const float alpha = expf(m - m_new);  // 0 on the first tile (m = -inf, m_new finite)
    l *= alpha;
#pragma unroll
    for (int d = 0; d < D; ++d) acc[d] *= alpha;
#pragma unroll
    for (int j = 0; j < kKeys; ++j) {
      const float p = expf(s[j] - m_new);  // exp(-inf) = 0 for keys past the sequence
      l += p;
#pragma unroll
      for (int d = 0; d < D; ++d) acc[d] = fmaf(p, vs[j][d], acc[d]);
    }
    m = m_new;
  }
  if (!active) return;
  const float inv = 1.0f / l;
  float* out = ctx + size_t(start + qi) * dim + col;
#pragma unroll
  for (int d = 0; d < D; ++d)
    if (d < head_dim) out[d] = acc[d] * inv;
}

}  // namespace

template <>
void prepare_attention<float>(int head_dim) {
  check_head_dim(head_dim);
}

template <>
void launch_attention<float>(cudaStream_t stream, const DeviceBatch& batch, int seq_capacity, int max_len,
                             const float* qkv, int n_heads, int head_dim, float* ctx) {
  const float scale = 1.0f / std::sqrt(float(head_dim));
  launch_for_head_dim("attention_fp32_kernel", kQueries, seq_capacity, max_len, n_heads, head_dim,
                      [&]<int D>(dim3 grid) {
                        attention_fp32_kernel<D><<<grid, kQueries, 0, stream>>>(batch, qkv, n_heads, head_dim, scale,
                                                                                ctx);
                      });
}

}  // namespace acgs::cuda
