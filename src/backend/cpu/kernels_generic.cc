// Portable kernels: plain loops over the same packed layouts as the AVX2 kernels. They are what a CPU
// without AVX2/FMA runs, and a second, independent implementation the AVX2 kernels are tested against.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/kernels.h"

namespace acgs::cpu {
namespace {

float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

float finish(float acc, int row, int col, float bias, const Epilogue& ep) {
  const float v = acc + bias;
  switch (ep.kind) {
    case Epilogue::Kind::kBiasGelu:
      return gelu(v);
    case Epilogue::Kind::kBiasResidual:
      return v + ep.residual[size_t(row) * ep.ld_residual + col];
    case Epilogue::Kind::kBias:
      break;
  }
  return v;
}

void gemm_f32(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep, float* c,
              int ldc) {
  for (int p = p0; p < p1; ++p) {
    const float* panel = w.panels.data() + size_t(p) * w.k * kPanel;
    for (int r = 0; r < m; ++r) {
      for (int j = 0; j < kPanel; ++j) {
        float acc = 0;
        for (int k = 0; k < w.k; ++k) acc += a[size_t(r) * lda + k] * panel[size_t(k) * kPanel + j];
        const int col = p * kPanel + j;
        c[size_t(r) * ldc + col] = finish(acc, r, col, w.bias[col], ep);
      }
    }
  }
}

void gemm_i8(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep, float* c,
             int ldc) {
  const int quads = w.k_quads();
  for (int p = p0; p < p1; ++p) {
    const int8_t* panel = w.panels.data() + size_t(p) * quads * kPanel * 4;
    for (int r = 0; r < m; ++r) {
      const uint8_t* q = a.q + size_t(r) * a.ld;
      for (int j = 0; j < kPanel; ++j) {
        const int col = p * kPanel + j;
        int32_t acc = 0;
        for (int kk = 0; kk < quads * 4; ++kk) {
          acc += int32_t(q[kk]) * panel[(size_t(kk / 4) * kPanel + j) * 4 + kk % 4];
        }
        acc -= a.zero[r] * w.col_sum[col];
        c[size_t(r) * ldc + col] = finish(float(acc) * (a.scale[r] * w.scale[col]), r, col, w.bias[col], ep);
      }
    }
  }
}

void quantize_rows(const float* x, int m, int k, int ldx, uint8_t* q, int ldq, float* scale, int32_t* zero) {
  for (int r = 0; r < m; ++r) {
    const float* row = x + size_t(r) * ldx;
    const auto [lo, hi] = std::minmax_element(row, row + k);
    const RowQuantization rq = row_quantization(*lo, *hi, kActivationLevelsU8);
    scale[r] = rq.scale;
    zero[r] = rq.zero;
    uint8_t* out = q + size_t(r) * ldq;
    for (int j = 0; j < k; ++j) out[j] = rq.quantize(row[j]);
    std::fill(out + k, out + padded_k_i8(k), uint8_t{0});
  }
}

void layer_norm(float* x, int m, int dim, int ldx, const float* gamma, const float* beta, float eps) {
  for (int r = 0; r < m; ++r) {
    float* row = x + size_t(r) * ldx;
    float sum = 0;
    for (int j = 0; j < dim; ++j) sum += row[j];
    const float mean = sum / float(dim);
    float sq = 0;
    for (int j = 0; j < dim; ++j) sq += (row[j] - mean) * (row[j] - mean);
    const float inv_std = 1.0f / std::sqrt(sq / float(dim) + eps);
    for (int j = 0; j < dim; ++j) row[j] = (row[j] - mean) * inv_std * gamma[j] + beta[j];
  }
}

void attention(const float* qkv, int ld_qkv, int len, int dim, int head_dim, int head, float* ctx, int ld_ctx,
               float* scratch) {
  const float scale = 1.0f / std::sqrt(float(head_dim));
  const int col = head * head_dim;
  float* prob = scratch;
  for (int i = 0; i < len; ++i) {
    const float* q = qkv + size_t(i) * ld_qkv + col;
    float max_score = -INFINITY;
    for (int j = 0; j < len; ++j) {
      const float* k = qkv + size_t(j) * ld_qkv + dim + col;
      float s = 0;
      for (int d = 0; d < head_dim; ++d) s += q[d] * k[d];
      prob[j] = s * scale;
      max_score = std::max(max_score, prob[j]);
    }
    float sum = 0;
    for (int j = 0; j < len; ++j) {
      prob[j] = std::exp(prob[j] - max_score);
      sum += prob[j];
    }
    float* out = ctx + size_t(i) * ld_ctx + col;
    std::fill(out, out + head_dim, 0.0f);
    for (int j = 0; j < len; ++j) {
      const float* v = qkv + size_t(j) * ld_qkv + 2 * dim + col;
      for (int d = 0; d < head_dim; ++d) out[d] += prob[j] * v[d];
    }
    for (int d = 0; d < head_dim; ++d) out[d] /= sum;
  }
}

}  // namespace

const CpuKernels kGenericKernels{"generic", kActivationLevelsU8, gemm_f32, gemm_i8, quantize_rows, layer_norm, attention};

}  // namespace acgs::cpu
