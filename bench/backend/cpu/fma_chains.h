#pragma once
// The FMA peak loop, written once over simd_math.h's lane structs (avx2::Ymm, avx512::Zmm) and instantiated in
// a translation unit built for each width: 12 independent FMA chains (enough to cover FMA latency × the two
// FMA pipes), timed in thread CPU time. Returns GFLOP/s.
#include <cstdio>
#include <cstring>

#include "thread_time.h"

namespace acgs::bench {

template <class L>
double fma_chains_gflops(long iters) {
  constexpr int kLanes = sizeof(typename L::ps) / sizeof(float);
  typename L::ps acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = L::set1(float(i));
  const auto a = L::set1(0.999999f), b = L::set1(1e-7f);
  const double t0 = thread_cpu_ms();
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = L::fmadd(acc[i], a, b);
  }
  const double t = (thread_cpu_ms() - t0) * 1e-3;
  float sink = 0;
  for (int i = 0; i < 12; ++i) {
    float lanes[kLanes];
    std::memcpy(lanes, &acc[i], sizeof(lanes));
    sink += lanes[0];
  }
  std::fprintf(stderr, "(checksum %g)\n", double(sink));
  return double(iters) * 12 * kLanes * 2 / t * 1e-9;
}

// Each defined in its own translation unit, built for its ISA; call only where the CPU has it.
double ymm_fma_gflops(long iters);   // fma_peak_ymm.cc: AVX2 + FMA
double zmm_fma_gflops(long iters);   // fma_peak_zmm.cc: AVX-512 F
double vnni_gops(long iters);        // fma_peak_zmm.cc: zmm vpdpbusd, 2 · 64 int8 operations each, GOP/s

}  // namespace acgs::bench
