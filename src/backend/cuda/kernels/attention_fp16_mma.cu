// fp16 attention, FlashAttention-2 style: mma.sync.m16n8k16 (fp16 inputs, fp32 accumulation) through
// inline PTX, with the score tile S and the output accumulator O in registers.
//
// Block = 4 warps = 64 query rows of one (sequence, head); warp w owns query rows [16w, 16w + 16), whose Q
// fragments stay in registers for the whole block. Per key tile of 64 rows (K and V staged in shared memory):
//   S = Q·Kᵀ        8 m16n8 accumulators per warp (keys 8j..8j+7 in tile j); K fragments via ldmatrix
//   online softmax  in registers, fp32, base 2 (scale folded with log2 e). A thread holds 2 adjacent
//                   columns of rows g and g + 8 of every tile (g = lane / 4), so a row's max and sum are
//                   reduced within the thread and then over the 4 threads of its quad (__shfl_xor 1, 2).
//                   P is rounded to fp16 and the running sum adds the rounded values, as in the WMMA kernel
//   O += P·V        the S accumulators of tiles 2k and 2k + 1 are exactly the A fragment of k-step k
//                   (PTX ISA, "Matrix Fragments for mma.m16n8k16": C/D row g (+8), columns 2t, 2t + 1;
//                   A row g (+8), columns 2t (+8), 2t + 1 (+8), t = lane % 4), so P never leaves
//                   registers; V fragments via ldmatrix.trans
// Q, K and V tiles are staged with cp.async when head_dim and dim are multiples of 8 (load_tile_async).
// Keys past the sequence get probability 0 (their scores are set to -inf); queries past it compute on zero
// rows and are not written. Shared memory: Q, K, V [64][D + 8] fp16 = 27 KiB for D = 64, 51 KiB for D = 128.
#include <cmath>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/attention_block.cuh"
#include "backend/cuda/kernels/attention_tile.cuh"
#include "backend/cuda/kernels/head_dim_dispatch.h"

namespace acgs::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kQueries = kWarps * 16;
constexpr int kKeys = 64;
constexpr int kKeyTiles = kKeys / 8;  // m16n8 score accumulators per warp
static_assert(kQueries == kTileRows && kKeys == kTileRows, "Q, K and V tiles share load_tile's row count");

// Four 8x8 b16 matrices; lanes 8i..8i+7 give the row addresses of matrix i, register i receives matrix i's
// elements (row lane / 4, columns 2 (lane % 4), +1), or with .trans those of its transpose.
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const __half* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], const __half* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(p)));
}

// c += a · b for one m16n8k16 tile: a = A fragment (4 x f16x2), b0/b1 = B fragment (2 x f16x2).
__device__ __forceinline__ void mma_16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats as one f16x2 register, lo in the low half (the lower column index, as mma expects).
__device__ __forceinline__ unsigned pack_half2(float lo, float hi, float& rounded_sum) {
  const __half2 h = __floats2half2_rn(lo, hi);
  const float2 back = __half22float2(h);
  rounded_sum += back.x + back.y;
  return *reinterpret_cast<const unsigned*>(&h);
}

template <int D>
__global__ void __launch_bounds__(kWarps * 32)
    attention_fp16_mma_kernel(DeviceBatch batch, const __half* qkv, int n_heads, int head_dim, float scale_log2,
                              __half* ctx) {
  constexpr int kLd = kTileLd<D>;
  const auto [idle, start, len, q0, dim, ld, col] = attention_block<kQueries>(batch, n_heads, head_dim);
  if (idle) return;

  extern __shared__ __align__(128) unsigned char smem[];
  const auto [qs, ks, vs] = qkv_tiles<D>(smem);

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3;
  const __half* q_src = qkv + col;
  const bool vec = head_dim % 8 == 0 && dim % 8 == 0;
  const bool warp_active = q0 + warp * 16 < len;

  if (vec) {
    load_tile_async<D>(qs, q_src, ld, start + q0, min(kQueries, len - q0), head_dim);
    cp_async_wait_all();
  } else {
    load_tile<D>(qs, q_src, ld, start + q0, min(kQueries, len - q0), head_dim, vec);
  }
  __syncthreads();
  // A fragments of this warp's 16 query rows, one per 16 columns of the head: matrices (rows 0-7 | 8-15) x
  // (columns 0-7 | 8-15) in the order a0..a3.
  unsigned qf[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk)
    ldmatrix_x4(qf[kk], qs + (warp * 16 + (lane & 15)) * kLd + kk * 16 + (lane >> 4) * 8);

  float o[D / 8][4];
#pragma unroll
  for (int j = 0; j < D / 8; ++j) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.0f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};  // rows g and g + 8

  for (int k0 = 0; k0 < len; k0 += kKeys) {
    const int n = min(kKeys, len - k0);
    __syncthreads();  // every warp is done with the previous K/V tile
    if (vec) {  // K's and V's copies in flight together
      load_tile_async<D>(ks, q_src + dim, ld, start + k0, n, head_dim);
      load_tile_async<D>(vs, q_src + 2 * dim, ld, start + k0, n, head_dim);
      cp_async_wait_all();
    } else {
      load_tile<D>(ks, q_src + dim, ld, start + k0, n, head_dim, vec);
      load_tile<D>(vs, q_src + 2 * dim, ld, start + k0, n, head_dim, vec);
    }
    __syncthreads();
    if (!warp_active) continue;

    float s[kKeyTiles][4];
#pragma unroll
    for (int j = 0; j < kKeyTiles; ++j) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.0f;
#pragma unroll
    for (int jj = 0; jj < kKeyTiles / 2; ++jj)
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        // Kᵀ as the col-major B operand: B(d, key) = K[key][d], so the non-transposed 8x8 blocks of K rows
        // are B fragments. Matrices: keys (16jj + 0-7 | + 8-15) x columns (16kk + 0-7 | + 8-15), ordered
        // b0, b1 of key tile 2jj, then b0, b1 of key tile 2jj + 1.
        unsigned kf[4];
        ldmatrix_x4(kf, ks + (jj * 16 + (lane & 7) + (lane >> 4) * 8) * kLd + kk * 16 + ((lane >> 3) & 1) * 8);
        mma_16816(s[2 * jj], qf[kk], kf[0], kf[1]);
        mma_16816(s[2 * jj + 1], qf[kk], kf[2], kf[3]);
      }

    // Element e of tile j: row g + 8 (e / 2), key 8j + 2t + (e % 2).
    float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int j = 0; j < kKeyTiles; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const float v = 8 * j + 2 * t + (e & 1) < n ? s[j][e] * scale_log2 : -INFINITY;
        s[j][e] = v;
        mx[e >> 1] = fmaxf(mx[e >> 1], v);
      }
    float alpha[2], sum[2] = {0.0f, 0.0f};
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
      const float m_new = fmaxf(m[r], mx[r]);  // finite: every tile has at least one real key
      alpha[r] = exp2f(m[r] - m_new);
      m[r] = m_new;
    }
    unsigned pf[kKeys / 16][4];
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      const float(&lo)[4] = s[2 * kk];
      const float(&hi)[4] = s[2 * kk + 1];
      pf[kk][0] = pack_half2(exp2f(lo[0] - m[0]), exp2f(lo[1] - m[0]), sum[0]);
      pf[kk][1] = pack_half2(exp2f(lo[2] - m[1]), exp2f(lo[3] - m[1]), sum[1]);
      pf[kk][2] = pack_half2(exp2f(hi[0] - m[0]), exp2f(hi[1] - m[0]), sum[0]);
      pf[kk][3] = pack_half2(exp2f(hi[2] - m[1]), exp2f(hi[3] - m[1]), sum[1]);
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 1);
      sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 2);
      l[r] = l[r] * alpha[r] + sum[r];
    }
#pragma unroll
    for (int j = 0; j < D / 8; ++j) {
      o[j][0] *= alpha[0];
      o[j][1] *= alpha[0];
      o[j][2] *= alpha[1];
      o[j][3] *= alpha[1];
    }

#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk)
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        // B(key, d) = V[key][d]: ldmatrix.trans of the blocks keys (16kk + 0-7 | + 8-15) x columns
        // (16dd + 0-7 | + 8-15), ordered b0, b1 of column tile 2dd, then b0, b1 of column tile 2dd + 1.
        unsigned vf[4];
        ldmatrix_x4_trans(vf, vs + (kk * 16 + (lane & 15)) * kLd + dd * 16 + (lane >> 4) * 8);
        mma_16816(o[2 * dd], pf[kk], vf[0], vf[1]);
        mma_16816(o[2 * dd + 1], pf[kk], vf[2], vf[3]);
      }
  }

  if (!warp_active) return;
  const float inv[2] = {1.0f / l[0], 1.0f / l[1]};
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int qi = q0 + warp * 16 + g + 8 * r;
    if (qi >= len) continue;
    __half* out = ctx + size_t(start + qi) * dim + col;
#pragma unroll
    for (int j = 0; j < D / 8; ++j)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int c = 8 * j + 2 * t + e;
        if (c < head_dim) out[c] = __float2half_rn(o[j][2 * r + e] * inv[r]);
      }
  }
}

}  // namespace

void prepare_attention_fp16_mma(int head_dim) {
  check_head_dim(head_dim);
  with_head_dim_bound(head_dim, [&]<int D>() {
    allow_shared_memory(attention_fp16_mma_kernel<D>, kQkvTileBytes<D>, "mma attention", head_dim, "");
  });
}

void launch_attention_fp16_mma(cudaStream_t stream, const DeviceBatch& batch, int seq_capacity, int max_len,
                               const __half* qkv, int n_heads, int head_dim, __half* ctx) {
  const float scale_log2 = 1.4426950408889634f / std::sqrt(float(head_dim));
  launch_for_head_dim("attention_fp16_mma_kernel", kQueries, seq_capacity, max_len, n_heads, head_dim,
                      [&]<int D>(dim3 grid) {
                        attention_fp16_mma_kernel<D><<<grid, kWarps * 32, kQkvTileBytes<D>, stream>>>(
                            batch, qkv, n_heads, head_dim, scale_log2, ctx);
                      });
}

}  // namespace acgs::cuda
