// AVX-512 GEMMs (this file is compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni).
//
// fp32: one zmm holds a whole 16-column panel row, so a tile of 8 rows × one panel takes one weight load and
// 8 FMAs (the A value broadcast by the FMA itself) per k step, where the AVX2 kernel's 6 × 16 tile takes 2
// weight loads, 6 broadcasts and 12 FMAs for 6 rows (gemm_shapes, 1 thread: ~3 % more GFLOP/s, both near the
// FMA peak; the gain is fewer instructions and loads per FLOP for the memory stream). 16-row tiles measured
// slower (~80 vs ~110 GFLOP/s): 16 rows × 256 k of A next to the 16 KiB weight slice overflow the 32 KiB
// L1, and at k = 3072 the 16 rows, 12 KiB apart, all fall in the same L1 set. Same FMAs in the same k order
// per C element as the AVX2 kernel, so the results are bitwise equal.
//
// int8: the same packed weights and exact int32 sums as the AVX2 kernel (gemm_avx2.cc), so given the same
// quantized activations the two give bitwise identical results (tested): here one vpdpbusd multiplies a quad
// of u8 activations by a 16-column panel row of int8 weights and adds the four products into int32, 64
// multiply-adds per instruction where AVX2 needs four multiply-pipe uops. No int16 step, so the activations
// use all 8 bits here (kActivationLevelsU8) where the AVX2 set has 7.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "backend/cpu/avx512_math.h"
#include "backend/cpu/gemm_avx2.h"
#include "backend/cpu/gemm_avx512.h"

namespace acgs::cpu::avx512 {
namespace {

constexpr int kMrF32 = 8;

// The epilogue on a finished tile still in registers: row r is acc[r], all rows share the bias.
template <int MR>
__attribute__((always_inline)) inline void finish_tile(__m512* acc, const float* bias, const Epilogue& ep,
                                                       const float* residual) {
  const __m512 bv = _mm512_loadu_ps(bias);
  simd::finish<Zmm, MR>(
      acc, ep.kind, [&](int) { return bv; },
      [&](int r) { return _mm512_loadu_ps(residual + size_t(r) * ep.ld_residual); });
}

template <int MR>
void micro_f32(const float* a, int lda, const float* b, int kc, bool first, float* c, int ldc, const float* bias,
               const Epilogue& ep, const float* residual, const avx2::Prefetch& pf) {
  __m512 acc[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc[r] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + size_t(r) * ldc);
  const auto step = [&](int k) __attribute__((always_inline)) {
    const __m512 bv = _mm512_loadu_ps(b + k * kPanel);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[size_t(r) * lda + k]), bv, acc[r]);
  };
  if (pf.start != 0) {
    for (int k = 0; k < kc; ++k) {
      avx2::prefetch_step(pf, k);
      step(k);
    }
  } else {
    for (int k = 0; k < kc; ++k) step(k);
  }
  if (bias != nullptr) finish_tile<MR>(acc, bias, ep, residual);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) _mm512_storeu_ps(c + size_t(r) * ldc, acc[r]);
}

constexpr avx2::MicroF32 kMicroF32[kMrF32 + 1] = {nullptr,         micro_f32<1>, micro_f32<2>,
                                                  micro_f32<3>,    micro_f32<4>, micro_f32<5>,
                                                  micro_f32<6>,    micro_f32<7>, micro_f32<8>};

// One zmm accumulator per row: 8 rows give 8 independent vpdpbusd chains per k quad, which covers the
// instruction's latency, and leave registers for the panel rows.
constexpr int kMrVnni = 8;

// One quad of u8 activations in every 32-bit lane, loaded by the broadcast itself (a 4-byte memcpy is how
// C++ reads it; loading both quads of a step as 8 bytes made GCC route them through a general register).
inline __m512i broadcast_quad(const uint8_t* p) {
  int32_t quad;
  std::memcpy(&quad, p, sizeof(quad));
  return _mm512_set1_epi32(quad);
}

template <int MR>
void micro_vnni(const QuantizedRows& a, int row, const PackedMatrixI8& w, int panel, float* c, int ldc,
                const Epilogue& ep, const float* residual, const avx2::Prefetch& pf) {
  const int quads = w.k_quads(), col = panel * kPanel;
  const int8_t* b = w.panels.data() + size_t(panel) * quads * kPanel * 4;
  const uint8_t* q = a.q + size_t(row) * a.ld;
  __m512i acc[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_si512();
  for (int kq = 0; kq < quads; kq += 2) {
    if (pf.start != 0) avx2::prefetch_step(pf, kq / 2);
    const __m512i b0 = _mm512_loadu_si512(b + kq * 64), b1 = _mm512_loadu_si512(b + kq * 64 + 64);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      acc[r] = _mm512_dpbusd_epi32(acc[r], broadcast_quad(q + size_t(r) * a.ld + 4 * kq), b0);
      acc[r] = _mm512_dpbusd_epi32(acc[r], broadcast_quad(q + size_t(r) * a.ld + 4 * kq + 4), b1);
    }
  }
  const __m512 ws = _mm512_loadu_ps(w.scale.data() + col);
  const __m512i cs = _mm512_loadu_si512(w.col_sum.data() + col);
  __m512 out[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    const __m512i v = _mm512_sub_epi32(acc[r], _mm512_mullo_epi32(_mm512_set1_epi32(a.zero[row + r]), cs));
    const __m512 s = _mm512_mul_ps(_mm512_set1_ps(a.scale[row + r]), ws);
    // The all-lanes masked form: GCC 12's plain _mm512_cvtepi32_ps trips -Wuninitialized in its own header.
    out[r] = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, v), s);
  }
  finish_tile<MR>(out, w.bias.data() + col, ep, residual);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) _mm512_storeu_ps(c + size_t(r) * ldc, out[r]);
}

constexpr avx2::MicroI8 kMicroVnni[kMrVnni + 1] = {nullptr,          micro_vnni<1>, micro_vnni<2>,
                                                   micro_vnni<3>,    micro_vnni<4>, micro_vnni<5>,
                                                   micro_vnni<6>,    micro_vnni<7>, micro_vnni<8>};

}  // namespace

void gemm_f32(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep, float* c,
              int ldc) {
  avx2::gemm_f32_tiled(a, m, lda, w, p0, p1, ep, c, ldc, kMicroF32, kMrF32);
}

void gemm_i8(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep, float* c,
             int ldc) {
  avx2::gemm_i8_tiled(a, m, w, p0, p1, ep, c, ldc, kMicroVnni, kMrVnni);
}

}  // namespace acgs::cpu::avx512
