#pragma once
// Vector math for the AVX2 kernels (include only from translation units built with -mavx2 -mfma).
#include <immintrin.h>

#include "backend/cpu/simd_math.h"

namespace acgs::cpu::avx2 {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The lane operations simd_math.h is written in, on ymm.
struct Ymm {
  using ps = __m256;
  static ps set1(float v) { return _mm256_set1_ps(v); }
  static ps zero() { return _mm256_setzero_ps(); }
  static ps add(ps a, ps b) { return _mm256_add_ps(a, b); }
  static ps sub(ps a, ps b) { return _mm256_sub_ps(a, b); }
  static ps mul(ps a, ps b) { return _mm256_mul_ps(a, b); }
  static ps div(ps a, ps b) { return _mm256_div_ps(a, b); }
  static ps min(ps a, ps b) { return _mm256_min_ps(a, b); }
  static ps max(ps a, ps b) { return _mm256_max_ps(a, b); }
  static ps fmadd(ps a, ps b, ps c) { return _mm256_fmadd_ps(a, b, c); }
  static ps fnmadd(ps a, ps b, ps c) { return _mm256_fnmadd_ps(a, b, c); }
  static ps abs(ps a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  // magnitude | sign bit of s (the magnitude's own sign bit must be clear)
  static ps copy_sign(ps magnitude, ps s) { return _mm256_or_ps(magnitude, _mm256_and_ps(s, _mm256_set1_ps(-0.0f))); }
  static ps round_nearest(ps a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n for integral n in the normal exponent range, built in the exponent bits.
  static ps pow2(ps n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
};

inline __m256 exp(__m256 x) {
  __m256 v[1] = {x};
  simd::exp<Ymm, 1>(v);
  return v[0];
}

// Lanes [0, n) set, for masked loads/stores of a row tail (0 <= n <= 8).
inline __m256i tail_mask(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

}  // namespace acgs::cpu::avx2
