#pragma once
// e^x, erf, GELU and the GEMM epilogue written once for every vector width. V is a lane-ops struct (Ymm in avx2_math.h, Zmm in
// avx512_math.h): include this only from translation units built for V's ISA, through those headers.
//
// Each function works on N vectors in place (x[0 .. N), kept in registers once inlined) and advances the N
// computations one operation at a time. GELU is ~40 dependent operations with a divide in the middle: one
// vector at a time, the CPU cannot look far enough ahead to overlap them (on Zen 4 the GELU GEMM of a layer
// ran ~10 % below the others, GFLOP/s on one core), while N independent chains side by side keep the FP pipes
// busy. Every lane goes through the same operations in the same order whatever V and N, so the AVX2 and
// AVX-512 kernels agree bitwise.
#include <utility>

#include "backend/cpu/kernels.h"

namespace acgs::cpu::simd {

// f(0), f(1), …, f(N - 1), written out.
template <int N, class F>
__attribute__((always_inline)) inline void each(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) __attribute__((always_inline)) {
    (f(I), ...);
  }(std::make_integer_sequence<int, N>{});
}

// e^x, Cephes expf scheme: x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two for exact reduction), a
// degree-5 minimax polynomial for e^r (≈1 ulp), and 2^n built in the exponent bits. Inputs are clamped
// to [-87.3, 88.4], so very negative x gives ~0 instead of denormals.
template <class V, int N>
__attribute__((always_inline)) inline void exp(typename V::ps* x) {
  typename V::ps n[N], r[N];
  each<N>([&](int i) { x[i] = V::max(V::min(x[i], V::set1(88.3762626647949f)), V::set1(-87.3365447504f)); });
  each<N>([&](int i) { n[i] = V::round_nearest(V::mul(x[i], V::set1(1.44269504088896341f))); });
  each<N>([&](int i) { r[i] = V::fnmadd(n[i], V::set1(0.693359375f), x[i]); });
  each<N>([&](int i) { r[i] = V::fnmadd(n[i], V::set1(-2.12194440e-4f), r[i]); });
  each<N>([&](int i) { x[i] = V::fmadd(V::set1(1.9875691500e-4f), r[i], V::set1(1.3981999507e-3f)); });
  for (const float c : {8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f})
    each<N>([&](int i) { x[i] = V::fmadd(x[i], r[i], V::set1(c)); });
  each<N>([&](int i) { x[i] = V::fmadd(x[i], V::mul(r[i], r[i]), V::add(r[i], V::set1(1.0f))); });
  each<N>([&](int i) { x[i] = V::mul(x[i], V::pow2(n[i])); });
}

// erf(x) by Abramowitz & Stegun 7.1.26: 1 - t·P(t)·e^{-x²} with t = 1/(1 + p|x|); absolute error
// <= 1.5e-7 over the whole real line, i.e. within a couple of fp32 ulps of 1 where GELU needs it.
template <class V, int N>
__attribute__((always_inline)) inline void erf(typename V::ps* x) {
  typename V::ps ax[N], t[N], poly[N];
  each<N>([&](int i) { ax[i] = V::abs(x[i]); });
  each<N>([&](int i) { t[i] = V::div(V::set1(1.0f), V::fmadd(V::set1(0.3275911f), ax[i], V::set1(1.0f))); });
  each<N>([&](int i) { poly[i] = V::fmadd(V::set1(1.061405429f), t[i], V::set1(-1.453152027f)); });
  for (const float c : {1.421413741f, -0.284496736f, 0.254829592f})
    each<N>([&](int i) { poly[i] = V::fmadd(poly[i], t[i], V::set1(c)); });
  each<N>([&](int i) { poly[i] = V::mul(poly[i], t[i]); });
  each<N>([&](int i) { ax[i] = V::sub(V::zero(), V::mul(ax[i], ax[i])); });
  exp<V, N>(ax);
  each<N>([&](int i) { x[i] = V::copy_sign(V::fnmadd(poly[i], ax[i], V::set1(1.0f)), x[i]); });
}

// Exact (erf) GELU in place: 0.5·x·(1 + erf(x/√2)), as torch.nn.functional.gelu.
template <class V, int N>
__attribute__((always_inline)) inline void gelu(typename V::ps* x) {
  typename V::ps e[N];
  each<N>([&](int i) { e[i] = V::mul(x[i], V::set1(0.70710678118654752f)); });
  erf<V, N>(e);
  each<N>([&](int i) { x[i] = V::mul(V::mul(V::set1(0.5f), x[i]), V::add(V::set1(1.0f), e[i])); });
}

// The GEMM epilogue on N finished vectors of C: + bias(i), then GELU or + residual(i) (bias and residual give
// vector i's operand). One definition for every kernel set, so each rounds the epilogue alike. GELU runs four
// vectors side by side: on zmm, eight would spill (each one's GELU holds five vectors at its peak).
template <class V, int N, class Bias, class Residual>
__attribute__((always_inline)) inline void finish(typename V::ps* v, Epilogue::Kind kind, Bias bias,
                                                  Residual residual) {
  each<N>([&](int i) { v[i] = V::add(v[i], bias(i)); });
  if (kind == Epilogue::Kind::kBiasGelu) {
    if constexpr (N > 4) {
      gelu<V, 4>(v);
      gelu<V, N - 4>(v + 4);
    } else {
      gelu<V, N>(v);
    }
  } else if (kind == Epilogue::Kind::kBiasResidual) {
    each<N>([&](int i) { v[i] = V::add(v[i], residual(i)); });
  }
}

}  // namespace acgs::cpu::simd
