// fp16 tensor-core attention (WMMA 16x16x16, fp16 inputs, fp32 accumulation).
//
// Block = 4 warps = 64 query rows of one (sequence, head); warp w owns query rows [16w, 16w + 16).
// Per key tile of 64 rows:
//   S = Q·Kᵀ        tensor cores, Q fragments kept in registers for the whole block, S stored fp32 to smem
//   online softmax  2 lanes per query row (32 columns each) in fp32 and base 2 (scale folded with log2 e);
//                   P rounded to fp16 (values in [0, 1]), the running sum adds the rounded values so the
//                   final weights sum to 1 exactly as used; O rows rescaled by exp2(m_old - m_new)
//   O += P·V        tensor cores, accumulator round-trips through smem (fp32) because WMMA does not
//                   expose which row a fragment element belongs to, so it cannot be rescaled in registers
// The head dimension is zero-padded to D (32, 64 or 128) in shared memory, so any head_dim <= 128 works;
// keys and queries past the sequence are zero rows and get probability 0.
//
// Shared memory (dynamic, D = 64: 70 KiB): Q, K, V [64][D + 8] fp16, S [64][68] fp32, P [64][72] fp16,
// O [64][D + 4] fp32. Row pads of 16 bytes keep every WMMA pointer 32-byte aligned and ldm a multiple of
// 8 halves / 4 floats while shifting consecutive rows across banks.
#include <mma.h>

#include <cmath>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/attention_block.cuh"
#include "backend/cuda/kernels/attention_tile.cuh"
#include "backend/cuda/kernels/common.cuh"
#include "backend/cuda/kernels/head_dim_dispatch.h"

namespace acgs::cuda {
namespace {

using namespace nvcuda;

constexpr int kWarps = 4;
constexpr int kQueries = kWarps * 16;
constexpr int kKeys = 64;
static_assert(kQueries == kTileRows && kKeys == kTileRows, "Q, K and V tiles share load_tile's row count");
constexpr int kFloatPad = 4;

template <int D>
struct Layout {
  static constexpr int kLdh = kTileLd<D>;       // Q, K, V rows, halves
  static constexpr int kLds = kKeys + kFloatPad;  // S rows, floats
  static constexpr int kLdp = kKeys + kHalfPad;   // P rows, halves
  static constexpr int kLdo = D + kFloatPad;      // O rows, floats
  static constexpr size_t kS = kQkvTileBytes<D>;  // after the Q, K, V tiles (qkv_tiles)
  static constexpr size_t kP = kS + size_t(kQueries) * kLds * sizeof(float);
  static constexpr size_t kO = kP + size_t(kQueries) * kLdp * sizeof(__half);
  static constexpr size_t kBytes = kO + size_t(kQueries) * kLdo * sizeof(float);
};

template <int D>
__global__ void __launch_bounds__(kWarps * 32)
    attention_fp16_kernel(DeviceBatch batch, const __half* qkv, int n_heads, int head_dim, float scale_log2,
                          __half* ctx) {
  using L = Layout<D>;
  const auto [idle, start, len, q0, dim, ld, col] = attention_block<kQueries>(batch, n_heads, head_dim);
  if (idle) return;

  extern __shared__ __align__(128) unsigned char smem[];
  const auto [qs, ks, vs] = qkv_tiles<D>(smem);
  float* ss = reinterpret_cast<float*>(smem + L::kS);
  __half* ps = reinterpret_cast<__half*>(smem + L::kP);
  float* os = reinterpret_cast<float*>(smem + L::kO);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const __half* q_src = qkv + col;
  const bool vec = head_dim % 8 == 0 && dim % 8 == 0;

  load_tile<D>(qs, q_src, ld, start + q0, min(kQueries, len - q0), head_dim, vec);
  for (int i = threadIdx.x; i < kQueries * L::kLdo; i += blockDim.x) os[i] = 0.0f;
  __syncthreads();

  wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> qf[D / 16];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) wmma::load_matrix_sync(qf[kk], qs + warp * 16 * L::kLdh + kk * 16, L::kLdh);

  const bool warp_active = q0 + warp * 16 < len;
  const int row = lane >> 1;  // this lane's query row inside the warp's 16
  const int side = lane & 1;  // which half of the columns this lane handles
  float* s_warp = ss + warp * 16 * L::kLds;
  __half* p_warp = ps + warp * 16 * L::kLdp;
  float* o_warp = os + warp * 16 * L::kLdo;
  const float* s_row = s_warp + row * L::kLds;
  __half* p_row = p_warp + row * L::kLdp;
  float* o_row = o_warp + row * L::kLdo;
  float m = -INFINITY, l = 0.0f;

  for (int k0 = 0; k0 < len; k0 += kKeys) {
    const int n = min(kKeys, len - k0);
    __syncthreads();  // every warp is done with the previous K/V tile
    load_tile<D>(ks, q_src + dim, ld, start + k0, n, head_dim, vec);
    load_tile<D>(vs, q_src + 2 * dim, ld, start + k0, n, head_dim, vec);
    __syncthreads();
    if (!warp_active) continue;

#pragma unroll
    for (int j = 0; j < kKeys / 16; ++j) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> sf;
      wmma::fill_fragment(sf, 0.0f);
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        // Kᵀ as a column-major B operand: element (d, key) sits at ks[key * ldh + d].
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> kf;
        wmma::load_matrix_sync(kf, ks + j * 16 * L::kLdh + kk * 16, L::kLdh);
        wmma::mma_sync(sf, qf[kk], kf, sf);
      }
      wmma::store_matrix_sync(s_warp + j * 16, sf, L::kLds, wmma::mem_row_major);
    }
    __syncwarp();

    const int c0 = side * (kKeys / 2);
    float mx = -INFINITY;
    for (int c = c0; c < c0 + kKeys / 2; ++c)
      if (c < n) mx = fmaxf(mx, s_row[c] * scale_log2);
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    const float m_new = fmaxf(m, mx);  // finite: every tile has at least one real key
    const float alpha = exp2f(m - m_new);
    float sum = 0.0f;
    for (int c = c0; c < c0 + kKeys / 2; ++c) {
      const __half p = __float2half_rn(c < n ? exp2f(s_row[c] * scale_log2 - m_new) : 0.0f);
      p_row[c] = p;
      sum += __half2float(p);
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    l = l * alpha + sum;
    m = m_new;
    for (int c = side * (D / 2); c < (side + 1) * (D / 2); ++c) o_row[c] *= alpha;
    __syncwarp();

#pragma unroll
    for (int j = 0; j < D / 16; ++j) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> of;
      wmma::load_matrix_sync(of, o_warp + j * 16, L::kLdo, wmma::mem_row_major);
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> pf;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> vf;
        wmma::load_matrix_sync(pf, p_warp + kk * 16, L::kLdp);
        wmma::load_matrix_sync(vf, vs + kk * 16 * L::kLdh + j * 16, L::kLdh);
        wmma::mma_sync(of, pf, vf, of);
      }
      wmma::store_matrix_sync(o_warp + j * 16, of, L::kLdo, wmma::mem_row_major);
    }
    __syncwarp();
  }

  const int qi = q0 + warp * 16 + row;
  if (!warp_active || qi >= len) return;
  const float inv = 1.0f / l;
  __half* out = ctx + size_t(start + qi) * dim + col;
  for (int c = side * (D / 2); c < (side + 1) * (D / 2); ++c)
    if (c < head_dim) out[c] = __float2half_rn(o_row[c] * inv);
}

}  // namespace

template <>
void prepare_attention<__half>(int head_dim) {
  check_head_dim(head_dim);
  with_head_dim_bound(head_dim, [&]<int D>() {
    allow_shared_memory(attention_fp16_kernel<D>, Layout<D>::kBytes, "fp16 attention", head_dim, ": use cuda-fp32");
  });
}

template <>
void launch_attention<__half>(cudaStream_t stream, const DeviceBatch& batch, int seq_capacity, int max_len,
                              const __half* qkv, int n_heads, int head_dim, __half* ctx) {
  const float scale_log2 = 1.4426950408889634f / std::sqrt(float(head_dim));
  launch_for_head_dim("attention_fp16_kernel", kQueries, seq_capacity, max_len, n_heads, head_dim,
                      [&]<int D>(dim3 grid) {
                        attention_fp16_kernel<D><<<grid, kWarps * 32, Layout<D>::kBytes, stream>>>(
                            batch, qkv, n_heads, head_dim, scale_log2, ctx);
                      });
}

}  // namespace acgs::cuda
