// fma_peak's zmm loops (built with -mavx512f -mavx512vnni): fp32 FMAs and int8 vpdpbusd.
#include <immintrin.h>

#include <cstdint>

#include "backend/cpu/avx512_math.h"
#include "fma_chains.h"

namespace acgs::bench {

double zmm_fma_gflops(long iters) { return fma_chains_gflops<cpu::avx512::Zmm>(iters); }

double vnni_gops(long iters) {
  __m512i acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_epi32(i);
  // From iters, so that the compiler cannot fold the products.
  const __m512i a = _mm512_set1_epi8(char(iters & 3)), b = _mm512_set1_epi8(5);
  const double t0 = thread_cpu_ms();
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  }
  const double t = (thread_cpu_ms() - t0) * 1e-3;
  // Through memory: GCC 12's reduce and cast intrinsics trip -Wuninitialized in their own header.
  int sink = 0;
  for (int i = 0; i < 12; ++i) {
    int32_t lanes[16];
    _mm512_storeu_si512(lanes, acc[i]);
    sink += lanes[0];
  }
  std::fprintf(stderr, "(checksum %d)\n", sink);
  return double(iters) * 12 * 64 * 2 / t * 1e-9;
}

}  // namespace acgs::bench
