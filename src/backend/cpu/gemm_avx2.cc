// AVX2/FMA GEMM micro-kernels (this file is compiled with -mavx2 -mfma).
//
// fp32: register block of kMr rows × one 16-column panel (12 ymm accumulators, 2 for the panel row, 1 for
// the broadcast A value), K split in kKc-long blocks so the panel slice (kKc × 16 floats = 16 KiB) stays in
// L1 while up to kMc rows of A use it. Each C element is summed over k in increasing order, one k-block
// after the other, whatever the panel/row split: bitwise reproducible across threads.
//
// int8: 7-bit u8 activations × 8-bit int8 weights, eight k at a time: each vpmaddubsw gives int16 sums of two
// products, exact since 2 · 127 · 127 < 2^15 (two of them added in int16 would not be: the weights use all of
// int8 so that every kernel set shares them, see kWeightLevelsI8), and each goes through vpmaddwd by 1 into
// exact int32 (k up to 2^31 / (127 · 127) ≈ 133k cannot overflow); the activation zero point is removed and
// the sums scaled back to fp32 by a_scale[row] · w_scale[col].
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "backend/cpu/avx2_math.h"
#include "backend/cpu/gemm_avx2.h"

namespace acgs::cpu::avx2 {
namespace {

constexpr int kMr = 6;
// int8 needs two broadcast activation quads, int16 products and a vector of ones besides the
// accumulators: 4 rows × 16 columns keeps everything in the 16 ymm.
constexpr int kMrI8 = 4;
constexpr int kKc = 256;
constexpr int kMc = 144;  // a multiple of every fp32 kernel set's rows per tile (6 and 8)
constexpr int kMcI8 = 72;  // a multiple of every int8 kernel set's rows per tile (4 and 8)

// The epilogue (bias, then GELU or the residual add) over a finished block of c, still in L1, one row's two
// 8-column halves at a time; kept out of the micro-kernels so that their 12 accumulators stay in the 16 ymm
// (the AVX-512 kernels, with 32 zmm, run the same simd::finish on their tiles in registers).
void finish_block(int rows, const float* bias, const Epilogue& ep, const float* residual, float* c, int ldc) {
  for (int r = 0; r < rows; ++r) {
    float* row = c + size_t(r) * ldc;
    const float* res = residual + size_t(r) * ep.ld_residual;
    __m256 v[2] = {_mm256_loadu_ps(row), _mm256_loadu_ps(row + 8)};
    simd::finish<Ymm, 2>(
        v, ep.kind, [&](int i) { return _mm256_loadu_ps(bias + 8 * i); },
        [&](int i) { return _mm256_loadu_ps(res + 8 * i); });
    _mm256_storeu_ps(row, v[0]);
    _mm256_storeu_ps(row + 8, v[1]);
  }
}

// Rows [0, MR) × panel columns of one k-block. bias != nullptr on the last k-block: apply the epilogue.
// a: the block's first row of A at column k0 (row r at a + r·lda): MR sequential streams, which the
// hardware prefetcher follows, so A needs no packing (that copy would be made by every worker).
// pf: this row block's share of the next weight slice.
template <int MR>
void micro_f32(const float* a, int lda, const float* b, int kc, bool first, float* c, int ldc, const float* bias,
               const Epilogue& ep, const float* residual, const Prefetch& pf) {
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + size_t(r) * ldc);
    acc[r][1] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + size_t(r) * ldc + 8);
  }
  const auto step = [&](int k) __attribute__((always_inline)) {
    const __m256 b0 = _mm256_loadu_ps(b + k * kPanel);
    const __m256 b1 = _mm256_loadu_ps(b + k * kPanel + 8);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + size_t(r) * lda + k);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  };
  if (pf.start != 0) {
    for (int k = 0; k < kc; ++k) {
      prefetch_step(pf, k);
      step(k);
    }
  } else {
    for (int k = 0; k < kc; ++k) step(k);
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(c + size_t(r) * ldc, acc[r][0]);
    _mm256_storeu_ps(c + size_t(r) * ldc + 8, acc[r][1]);
  }
  if (bias != nullptr) finish_block(MR, bias, ep, residual, c, ldc);
}

constexpr MicroF32 kMicroF32[kMr + 1] = {nullptr,         micro_f32<1>, micro_f32<2>, micro_f32<3>,
                                         micro_f32<4>,    micro_f32<5>, micro_f32<6>};

// Rows [row, row + MR) × panel `panel`, all of k: per step of two k quads, vpmaddubsw multiplies each
// quad's u8 activations by the panel's int8 weights into int16 pair sums and vpmaddwd by 1 adds the pairs
// into int32 (four multiply-pipe uops per 64 multiply-adds); then the zero point and both scales are applied
// before the epilogue.
template <int MR>
void micro_i8(const QuantizedRows& a, int row, const PackedMatrixI8& w, int panel, float* c, int ldc,
              const Epilogue& ep, const float* residual, const Prefetch& pf) {
  const int quads = w.k_quads(), col = panel * kPanel;
  const int8_t* b = w.panels.data() + size_t(panel) * quads * kPanel * 4;
  const uint8_t* q = a.q + size_t(row) * a.ld;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int kq = 0; kq < quads; kq += 2) {
    if (pf.start != 0) prefetch_step(pf, kq / 2);
    const __m256i* bv = reinterpret_cast<const __m256i*>(b + kq * 64);
    const __m256i b0 = _mm256_loadu_si256(bv), b1 = _mm256_loadu_si256(bv + 1);
    const __m256i b2 = _mm256_loadu_si256(bv + 2), b3 = _mm256_loadu_si256(bv + 3);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t quad[2];
      std::memcpy(quad, q + size_t(r) * a.ld + 4 * kq, sizeof(quad));
      const __m256i av0 = _mm256_set1_epi32(quad[0]), av1 = _mm256_set1_epi32(quad[1]);
      const __m256i s0 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(av0, b0), ones),
                                          _mm256_madd_epi16(_mm256_maddubs_epi16(av1, b2), ones));
      const __m256i s1 = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(av0, b1), ones),
                                          _mm256_madd_epi16(_mm256_maddubs_epi16(av1, b3), ones));
      acc[r][0] = _mm256_add_epi32(acc[r][0], s0);
      acc[r][1] = _mm256_add_epi32(acc[r][1], s1);
    }
  }
  const __m256 ws0 = _mm256_loadu_ps(w.scale.data() + col), ws1 = _mm256_loadu_ps(w.scale.data() + col + 8);
  const __m256i cs0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.col_sum.data() + col));
  const __m256i cs1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.col_sum.data() + col + 8));
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    const __m256 as = _mm256_set1_ps(a.scale[row + r]);
    const __m256i zero = _mm256_set1_epi32(a.zero[row + r]);
    const __m256i v0 = _mm256_sub_epi32(acc[r][0], _mm256_mullo_epi32(zero, cs0));
    const __m256i v1 = _mm256_sub_epi32(acc[r][1], _mm256_mullo_epi32(zero, cs1));
    _mm256_storeu_ps(c + size_t(r) * ldc, _mm256_mul_ps(_mm256_cvtepi32_ps(v0), _mm256_mul_ps(as, ws0)));
    _mm256_storeu_ps(c + size_t(r) * ldc + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(v1), _mm256_mul_ps(as, ws1)));
  }
  finish_block(MR, w.bias.data() + col, ep, residual, c, ldc);
}

constexpr MicroI8 kMicroI8[kMrI8 + 1] = {nullptr, micro_i8<1>, micro_i8<2>, micro_i8<3>, micro_i8<4>};

}  // namespace

Prefetch prefetch_share(const void* block, size_t bytes, int k_steps, int row_block, int row_blocks) {
  const int shares = row_blocks >= 4 ? 4 : row_blocks >= 2 ? 2 : 1;
  if (row_block >= shares) return {};
  return {reinterpret_cast<uintptr_t>(block) + bytes + bytes * row_block / shares, bytes / shares / size_t(k_steps)};
}

const float* residual_at(const Epilogue& ep, int row, int col) {
  return ep.kind == Epilogue::Kind::kBiasResidual ? ep.residual + size_t(row) * ep.ld_residual + col : nullptr;
}

void gemm_f32_tiled(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep,
                    float* c, int ldc, const MicroF32* micro, int mr) {
  for (int m0 = 0; m0 < m; m0 += kMc) {
    const int m1 = std::min(m, m0 + kMc);
    const int rows = m1 - m0;
    // Panel-major: each panel's weights ([k][16], contiguous, and the next panel follows) stream once in
    // address order; within a panel, a kKc slice stays in L1 while every row block of A uses it, and the
    // next slice (next k-block or next panel: the following addresses) is prefetched meanwhile.
    const int row_blocks = (rows + mr - 1) / mr;
    for (int p = p0; p < p1; ++p) {
      const int col = p * kPanel;
      for (int k0 = 0; k0 < w.k; k0 += kKc) {
        const int kc = std::min(kKc, w.k - k0);
        const bool last = k0 + kc == w.k;
        const float* b = w.panels.data() + (size_t(p) * w.k + k0) * kPanel;
        const size_t slice_bytes = sizeof(float) * kc * kPanel;
        for (int r = m0; r < m1; r += mr) {
          const Prefetch pf = prefetch_share(b, slice_bytes, kc, (r - m0) / mr, row_blocks);
          micro[std::min(mr, m1 - r)](a + size_t(r) * lda + k0, lda, b, kc, k0 == 0, c + size_t(r) * ldc + col, ldc,
                                      last ? w.bias.data() + col : nullptr, ep, residual_at(ep, r, col), pf);
        }
      }
    }
  }
}

void gemm_f32(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep, float* c,
              int ldc) {
  gemm_f32_tiled(a, m, lda, w, p0, p1, ep, c, ldc, kMicroF32, kMr);
}

void gemm_i8_tiled(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep,
                   float* c, int ldc, const MicroI8* micro, int mr) {
  const size_t panel_bytes = size_t(w.k_quads()) * kPanel * 4;
  for (int m0 = 0; m0 < m; m0 += kMcI8) {
    const int m1 = std::min(m, m0 + kMcI8);
    const int row_blocks = (m1 - m0 + mr - 1) / mr;
    const int k_steps = w.k_quads() / 2;  // the micro-kernels take two quads per step
    for (int p = p0; p < p1; ++p) {
      const int col = p * kPanel;
      const int8_t* b = w.panels.data() + size_t(p) * panel_bytes;
      for (int r = m0; r < m1; r += mr) {
        micro[std::min(mr, m1 - r)](a, r, w, p, c + size_t(r) * ldc + col, ldc, ep, residual_at(ep, r, col),
                                    prefetch_share(b, panel_bytes, k_steps, (r - m0) / mr, row_blocks));
      }
    }
  }
}

void gemm_i8(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep, float* c,
             int ldc) {
  gemm_i8_tiled(a, m, w, p0, p1, ep, c, ldc, kMicroI8, kMrI8);
}

}  // namespace acgs::cpu::avx2
