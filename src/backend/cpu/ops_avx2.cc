// AVX2/FMA row kernels: quantization, LayerNorm, attention (this file is compiled with -mavx2 -mfma).
// Reductions use one vector accumulator plus a masked tail in a fixed order, so each row's result does
// not depend on which thread runs it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "backend/cpu/avx2_math.h"
#include "backend/cpu/gemm_avx2.h"

namespace acgs::cpu::avx2 {
namespace {

float max_abs(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= n; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
  float r = hmax(m);
  for (; j < n; ++j) r = std::max(r, std::fabs(x[j]));
  return r;
}

void quantize_rows(const float* x, int m, int k, int ldx, int16_t* q, int ldq, float* scale) {
  for (int r = 0; r < m; ++r) {
    const float* row = x + size_t(r) * ldx;
    int16_t* out = q + size_t(r) * ldq;
    const float ma = max_abs(row, k);
    scale[r] = ma > 0 ? ma / 127.0f : 1.0f;
    const float inv = ma > 0 ? 127.0f / ma : 0.0f;
    const __m256 vinv = _mm256_set1_ps(inv);
    int j = 0;
    for (; j + 8 <= k; j += 8) {
      const __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + j), vinv));
      const __m128i packed = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), packed);
    }
    for (; j < k; ++j) out[j] = static_cast<int16_t>(std::nearbyint(row[j] * inv));
    if (k % 2) out[k] = 0;
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

// scores[j .. j + 8V) = q · k_j over head_dim, k transposed as kt[d][len]; 8V independent FMA chains.
template <int V>
void scores_block(const float* q, const float* kt, int len, int head_dim, int j, float scale, float* scores) {
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  for (int d = 0; d < head_dim; ++d) {
    const __m256 qd = _mm256_broadcast_ss(q + d);
    const float* row = kt + size_t(d) * len + j;
    for (int v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(qd, _mm256_loadu_ps(row + 8 * v), acc[v]);
  }
  for (int v = 0; v < V; ++v) _mm256_storeu_ps(scores + j + 8 * v, _mm256_mul_ps(acc[v], _mm256_set1_ps(scale)));
}

// out[d0 .. d0 + 8C) = Σ_j prob[j] · v_j[d0 ..] · inv_sum; 8C independent FMA chains.
template <int C>
void context_block(const float* prob, const float* v, int ld_v, int len, int d0, float inv_sum, float* out) {
  __m256 acc[C];
  for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
  for (int j = 0; j < len; ++j) {
    const __m256 p = _mm256_broadcast_ss(prob + j);
    const float* row = v + size_t(j) * ld_v + d0;
    for (int c = 0; c < C; ++c) acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 8 * c), acc[c]);
  }
  for (int c = 0; c < C; ++c) _mm256_storeu_ps(out + d0 + 8 * c, _mm256_mul_ps(acc[c], _mm256_set1_ps(inv_sum)));
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

void attention(const float* qkv, int ld_qkv, int len, int dim, int head_dim, int head, float* ctx, int ld_ctx,
               float* scratch) {
  // K transposed and V gathered into contiguous scratch: in qkv each token's head slice sits on its own
  // page (ld_qkv is 9 KiB for distilbert-base), so the per-query passes over all keys and values would
  // touch `len` pages each.
  const int col = head * head_dim;
  float* kt = scratch;
  float* v = kt + size_t(head_dim) * len;
  float* prob = v + size_t(head_dim) * len;
  for (int j = 0; j < len; ++j) {
    const float* k = qkv + size_t(j) * ld_qkv + dim + col;
    for (int d = 0; d < head_dim; ++d) kt[size_t(d) * len + j] = k[d];
    std::copy_n(k + dim, head_dim, v + size_t(j) * head_dim);
  }
  const float scale = 1.0f / std::sqrt(float(head_dim));
  for (int i = 0; i < len; ++i) {
    const float* q = qkv + size_t(i) * ld_qkv + col;
    int j = 0;
    for (; j + 64 <= len; j += 64) scores_block<8>(q, kt, len, head_dim, j, scale, prob);
    for (; j + 8 <= len; j += 8) scores_block<1>(q, kt, len, head_dim, j, scale, prob);
    for (; j < len; ++j) {
      float s = 0;
      for (int d = 0; d < head_dim; ++d) s = std::fma(q[d], kt[size_t(d) * len + j], s);
      prob[j] = s * scale;
    }
    float max_score = -INFINITY;
    for (j = 0; j < len; ++j) max_score = std::max(max_score, prob[j]);
    const float inv_sum = 1.0f / exp_shifted(prob, len, max_score);
    float* out = ctx + size_t(i) * ld_ctx + col;
    int d = 0;
    for (; d + 64 <= head_dim; d += 64) context_block<8>(prob, v, head_dim, len, d, inv_sum, out);
    for (; d + 32 <= head_dim; d += 32) context_block<4>(prob, v, head_dim, len, d, inv_sum, out);
    for (; d + 8 <= head_dim; d += 8) context_block<1>(prob, v, head_dim, len, d, inv_sum, out);
    for (; d < head_dim; ++d) {
      float s = 0;
      for (j = 0; j < len; ++j) s = std::fma(prob[j], v[size_t(j) * head_dim + d], s);
      out[d] = s * inv_sum;
    }
  }
}

}  // namespace
}  // namespace acgs::cpu::avx2

namespace acgs::cpu {

const CpuKernels kAvx2Kernels{"avx2", avx2::gemm_f32, avx2::gemm_i8, avx2::quantize_rows, avx2::layer_norm,
                              avx2::attention};

}  // namespace acgs::cpu
