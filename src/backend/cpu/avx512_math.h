#pragma once
// Vector math for the AVX-512 kernels (include only from gemm_avx512.cc, built with -mavx512f): simd_math.h's
// lane operations on zmm, each the 16-lane form of avx2_math.h's Ymm one, so both widths round alike.
#include <immintrin.h>

#include "backend/cpu/simd_math.h"

namespace acgs::cpu::avx512 {

// AVX-512 F only (no DQ): the bitwise float operations go through the integer forms. Some operations use the
// all-lanes masked form, which is the same instruction: GCC 12's plain forms trip -Wmaybe-uninitialized on
// their own header's undefined pass-through vector.
struct Zmm {
  using ps = __m512;
  static constexpr __mmask16 kAll = 0xffff;
  static ps set1(float v) { return _mm512_set1_ps(v); }
  static ps zero() { return _mm512_setzero_ps(); }
  static ps add(ps a, ps b) { return _mm512_add_ps(a, b); }
  static ps sub(ps a, ps b) { return _mm512_sub_ps(a, b); }
  static ps mul(ps a, ps b) { return _mm512_mul_ps(a, b); }
  static ps div(ps a, ps b) { return _mm512_div_ps(a, b); }
  static ps min(ps a, ps b) { return _mm512_maskz_min_ps(kAll, a, b); }
  static ps max(ps a, ps b) { return _mm512_maskz_max_ps(kAll, a, b); }
  static ps fmadd(ps a, ps b, ps c) { return _mm512_fmadd_ps(a, b, c); }
  static ps fnmadd(ps a, ps b, ps c) { return _mm512_fnmadd_ps(a, b, c); }
  static ps abs(ps a) { return _mm512_abs_ps(a); }
  static ps copy_sign(ps magnitude, ps s) {
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(int(0x80000000u)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(magnitude), sign));
  }
  static ps round_nearest(ps a) {
    return _mm512_maskz_roundscale_ps(kAll, a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static ps pow2(ps n) {
    const __m512i biased = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll, biased, 23));
  }
};

}  // namespace acgs::cpu::avx512
