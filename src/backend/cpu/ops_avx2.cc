// AVX2/FMA row kernels: quantization, LayerNorm, attention (this file is compiled with -mavx2 -mfma).
// Reductions use one vector accumulator plus a masked tail in a fixed order, so each row's result does
// not depend on which thread runs it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "backend/cpu/avx2_math.h"
#include "backend/cpu/gemm_avx2.h"
#include "backend/cpu/gemm_avx512.h"

namespace acgs::cpu::avx2 {
namespace {

// The row's smallest and largest value.
std::pair<float, float> min_max(const float* x, int n) {
  __m256 lo = _mm256_set1_ps(INFINITY), hi = _mm256_set1_ps(-INFINITY);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
  }
  float l = -hmax(_mm256_sub_ps(_mm256_setzero_ps(), lo)), h = hmax(hi);
  for (; j < n; ++j) {
    l = std::min(l, x[j]);
    h = std::max(h, x[j]);
  }
  return {l, h};
}

template <int kLevels>
void quantize_rows(const float* x, int m, int k, int ldx, uint8_t* q, int ldq, float* scale, int32_t* zero) {
  for (int r = 0; r < m; ++r) {
    const float* row = x + size_t(r) * ldx;
    uint8_t* out = q + size_t(r) * ldq;
    const auto [lo, hi] = min_max(row, k);
    const RowQuantization rq = row_quantization(lo, hi, kLevels);
    scale[r] = rq.scale;
    zero[r] = rq.zero;
    const __m256 inv = _mm256_set1_ps(rq.inv);
    const __m256i zp = _mm256_set1_epi32(rq.zero);
    const __m128i levels = _mm_set1_epi8(static_cast<char>(kLevels));
    int j = 0;
    for (; j + 8 <= k; j += 8) {
      // cvtps rounds to nearest even like nearbyint; packs/packus saturate to [0, 255] and min to
      // [0, kLevels] like the clamp.
      const __m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + j), inv)), zp);
      const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out + j), _mm_min_epu8(_mm_packus_epi16(words, words), levels));
    }
    for (; j < k; ++j) out[j] = rq.quantize(row[j]);
    std::fill(out + k, out + padded_k_i8(k), uint8_t{0});
  }
}

void layer_norm(float* x, int m, int dim, int ldx, const float* gamma, const float* beta, float eps) {
  const int tail = dim % 8;
  const int body = dim - tail;
  const __m256i mask = tail_mask(tail);
  for (int r = 0; r < m; ++r) {
    float* row = x + size_t(r) * ldx;
    __m256 sum = _mm256_maskload_ps(row + body, mask);
    for (int j = 0; j < body; j += 8) sum = _mm256_add_ps(sum, _mm256_loadu_ps(row + j));
    const float mean_s = hsum(sum) / float(dim);
    const __m256 mean = _mm256_set1_ps(mean_s);
    __m256 sq = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(row + body, mask), mean), _mm256_castsi256_ps(mask));
    sq = _mm256_mul_ps(sq, sq);
    for (int j = 0; j < body; j += 8) {
      const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(row + j), mean);
      sq = _mm256_fmadd_ps(d, d, sq);
    }
    const __m256 inv_std = _mm256_set1_ps(1.0f / std::sqrt(hsum(sq) / float(dim) + eps));
    for (int j = 0; j < body; j += 8) {
      const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(row + j), mean), inv_std);
      _mm256_storeu_ps(row + j, _mm256_fmadd_ps(d, _mm256_loadu_ps(gamma + j), _mm256_loadu_ps(beta + j)));
    }
    if (tail) {
      const __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(row + body, mask), mean), inv_std);
      const __m256 y = _mm256_fmadd_ps(d, _mm256_maskload_ps(gamma + body, mask), _mm256_maskload_ps(beta + body, mask));
      _mm256_maskstore_ps(row + body, mask, y);
    }
  }
}

// Attention runs over blocks of kQueries query rows: each tile of Kᵀ or V brought into L1 serves all of
// them (at 128 tokens Kᵀ and V are 32 KiB each and do not stay in L1 from one block to the next), and
// within a block, register tiles of up to kTileRows query rows × 8V keys (scores) or × 8C head dimensions
// (context), 12 accumulators at most, make every key and value loaded into a register serve 4 queries (one
// query row at a time is load-bound: a load per FMA). The tiles are forced inline so that their loops are
// unrolled with constant R, V, C.
constexpr int kQueries = kAttentionQueryBlock;
constexpr int kTileRows = 4;

// scores[r][j .. j + 8V) = q_r · k_j · scale for R query rows; kt is Kᵀ, [head_dim][lp].
template <int R, int V>
__attribute__((always_inline)) inline void scores_tile(const float* const* q, const float* kt, int lp, int head_dim,
                                                       int j, float scale, float* scores) {
  __m256 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int d = 0; d < head_dim; ++d) {
    __m256 k[V];
    for (int v = 0; v < V; ++v) k[v] = _mm256_loadu_ps(kt + size_t(d) * lp + j + 8 * v);
    for (int r = 0; r < R; ++r) {
      const __m256 qd = _mm256_broadcast_ss(q[r] + d);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(qd, k[v], acc[r][v]);
    }
  }
  const __m256 s = _mm256_set1_ps(scale);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm256_storeu_ps(scores + size_t(r) * lp + j + 8 * v, _mm256_mul_ps(acc[r][v], s));
}

// out[r][d0 .. d0 + 8C) = Σ_j prob[r][j] · v_j[d0 ..] for R query rows; v is [len][hp].
template <int R, int C>
__attribute__((always_inline)) inline void context_tile(const float* prob, int lp, const float* v, int hp, int len,
                                                        int d0, float* out) {
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  for (int j = 0; j < len; ++j) {
    __m256 vj[C];
    for (int c = 0; c < C; ++c) vj[c] = _mm256_loadu_ps(v + size_t(j) * hp + d0 + 8 * c);
    for (int r = 0; r < R; ++r) {
      const __m256 p = _mm256_broadcast_ss(prob + size_t(r) * lp + j);
      for (int c = 0; c < C; ++c) acc[r][c] = _mm256_fmadd_ps(p, vj[c], acc[r][c]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) _mm256_storeu_ps(out + size_t(r) * hp + d0 + 8 * c, acc[r][c]);
}

// In place prob[j] = exp(prob[j] - max); returns the sum.
float exp_shifted(float* prob, int len, float max_score) {
  const __m256 mx = _mm256_set1_ps(max_score);
  __m256 sum = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= len; j += 8) {
    const __m256 e = exp(_mm256_sub_ps(_mm256_loadu_ps(prob + j), mx));
    _mm256_storeu_ps(prob + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  if (j < len) {
    const __m256i mask = tail_mask(len - j);
    const __m256 e = _mm256_and_ps(exp(_mm256_sub_ps(_mm256_maskload_ps(prob + j, mask), mx)), _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(prob + j, mask, e);
    sum = _mm256_add_ps(sum, e);
  }
  return hsum(sum);
}

// f(V, j) for each register tile over `cols` (a multiple of 8) columns, j its first column and V its width
// in 8-wide vectors as a compile-time constant: 24 columns where possible, but 16 rather than leaving an
// 8-wide tile, whose 4 accumulator chains per row would halve the FMA rate.
template <typename F>
__attribute__((always_inline)) inline void for_tiles(int cols, F&& f) {
  for (int j = 0; j < cols;) {
    const int left = cols - j;
    if (left == 8) {
      f(std::integral_constant<int, 1>{}, j);
      j += 8;
    } else if (left == 16 || left == 32) {
      f(std::integral_constant<int, 2>{}, j);
      j += 16;
    } else {
      f(std::integral_constant<int, 3>{}, j);
      j += 24;
    }
  }
}

// f(R, g) for each group of up to kTileRows of n rows, g its first row, R its height as a compile-time constant.
template <typename F>
__attribute__((always_inline)) inline void for_row_groups(int n, F&& f) {
  for (int g = 0; g < n; g += kTileRows) {
    switch (std::min(kTileRows, n - g)) {
      case 1: f(std::integral_constant<int, 1>{}, g); break;
      case 2: f(std::integral_constant<int, 2>{}, g); break;
      case 3: f(std::integral_constant<int, 3>{}, g); break;
      default: f(std::integral_constant<int, 4>{}, g); break;
    }
  }
}

// Query rows i0 .. i0 + n (n <= kQueries) of one head: scores, softmax, context into ctx.
void attend_rows(const float* qkv, int ld_qkv, int len, int i0, int n, int col, const float* kt, int lp,
                 const float* v, int head_dim, int hp, float* prob, float* out, float* ctx, int ld_ctx) {
  const float* q[kQueries];
  for (int r = 0; r < n; ++r) q[r] = qkv + size_t(i0 + r) * ld_qkv + col;
  const float scale = 1.0f / std::sqrt(float(head_dim));
  for_tiles(lp, [&](auto vectors, int j) {
    for_row_groups(n, [&](auto rows, int g) {
      scores_tile<rows, vectors>(q + g, kt, lp, head_dim, j, scale, prob + size_t(g) * lp);
    });
  });
  float inv_sum[kQueries];
  for (int r = 0; r < n; ++r) {
    float* row = prob + size_t(r) * lp;
    const float max_score = min_max(row, len).second;
    inv_sum[r] = 1.0f / exp_shifted(row, len, max_score);
  }
  for_tiles(hp, [&](auto vectors, int d) {
    for_row_groups(n, [&](auto rows, int g) {
      context_tile<rows, vectors>(prob + size_t(g) * lp, lp, v, hp, len, d, out + size_t(g) * hp);
    });
  });
  for (int r = 0; r < n; ++r) {
    float* dst = ctx + size_t(i0 + r) * ld_ctx + col;
    for (int d = 0; d < head_dim; ++d) dst[d] = out[size_t(r) * hp + d] * inv_sum[r];
  }
}

void attention(const float* qkv, int ld_qkv, int len, int dim, int head_dim, int head, float* ctx, int ld_ctx,
               float* scratch) {
  // Kᵀ and V gathered into contiguous scratch, zero-padded to whole vectors (lp keys, hp dimensions): in
  // qkv each token's head slice sits on its own page (ld_qkv is 9 KiB for distilbert-base).
  const int col = head * head_dim;
  const int lp = round_up(len, 8), hp = round_up(head_dim, 8);
  float* kt = scratch;
  float* v = kt + size_t(head_dim) * lp;
  float* prob = v + size_t(len) * hp;
  float* out = prob + size_t(kQueries) * lp;
  for (int d = 0; d < head_dim; ++d) std::fill(kt + size_t(d) * lp + len, kt + size_t(d + 1) * lp, 0.0f);
  for (int j = 0; j < len; ++j) {
    const float* k = qkv + size_t(j) * ld_qkv + dim + col;
    for (int d = 0; d < head_dim; ++d) kt[size_t(d) * lp + j] = k[d];
    std::copy_n(k + dim, head_dim, v + size_t(j) * hp);
    std::fill(v + size_t(j) * hp + head_dim, v + size_t(j + 1) * hp, 0.0f);
  }
  for (int i = 0; i < len; i += kQueries) {
    attend_rows(qkv, ld_qkv, len, i, std::min(kQueries, len - i), col, kt, lp, v, head_dim, hp, prob, out, ctx,
                ld_ctx);
  }
}

}  // namespace
}  // namespace acgs::cpu::avx2

namespace acgs::cpu {

const CpuKernels kAvx2Kernels{"avx2",          kActivationLevelsU7, avx2::gemm_f32, avx2::gemm_i8,
                              avx2::quantize_rows<kActivationLevelsU7>, avx2::layer_norm, avx2::attention};
// The AVX2 row kernels with the AVX-512 GEMMs (gemm_avx512.cc); only selected after a run-time check.
const CpuKernels kAvx512VnniKernels{"avx512-vnni", kActivationLevelsU8, avx512::gemm_f32, avx512::gemm_i8,
                                    avx2::quantize_rows<kActivationLevelsU8>, avx2::layer_norm, avx2::attention};

}  // namespace acgs::cpu
