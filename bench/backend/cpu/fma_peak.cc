// fp32 FMA peak of one core at the widest vector the cpu backend's fp32 GEMM uses here: zmm where it runs the
// avx512-vnni kernels, ymm otherwise (ACGS_CPU_ISA caps both alike). 8-wide FMAs alone undercount a CPU
// that runs zmm FMAs at full width (Zen 5: 113 vs 207–220 GFLOP/s per core), and so overstate "% of peak".
// 12 independent FMA chains (enough to cover FMA latency × the two FMA pipes), timed in thread CPU time.
// Peak of the machine = result × physical cores. Prints GFLOP/s; the width on stderr.
//
// Usage: build/fma_peak [ymm|zmm]   (default: the width of the kernels in use)
#include <immintrin.h>

#include <cstdio>
#include <string_view>

#include "backend/cpu/kernels.h"
#include "thread_time.h"

// The lane structs hand vectors between inline functions whose targets differ from the template that calls
// them; every call is flattened into the one wrapper per width, so no vector crosses a real call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

using acgs::bench::thread_cpu_ms;

#define ACGS_TARGET_YMM __attribute__((target("avx2,fma")))
#define ACGS_TARGET_ZMM __attribute__((target("avx512f")))

struct Ymm {
  using ps = __m256;
  static constexpr int kLanes = 8;
  ACGS_TARGET_YMM static ps set1(float v) { return _mm256_set1_ps(v); }
  ACGS_TARGET_YMM static ps fmadd(ps a, ps b, ps c) { return _mm256_fmadd_ps(a, b, c); }
  ACGS_TARGET_YMM static float first(ps a) { return _mm256_cvtss_f32(a); }
};

struct Zmm {
  using ps = __m512;
  static constexpr int kLanes = 16;
  ACGS_TARGET_ZMM static ps set1(float v) { return _mm512_set1_ps(v); }
  ACGS_TARGET_ZMM static ps fmadd(ps a, ps b, ps c) { return _mm512_fmadd_ps(a, b, c); }
  ACGS_TARGET_ZMM static float first(ps a) { return _mm512_cvtss_f32(a); }
};

template <class L>
double fma_gflops(long iters) {
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
  for (int i = 0; i < 12; ++i) sink += L::first(acc[i]);
  std::fprintf(stderr, "(checksum %g)\n", double(sink));
  return double(iters) * 12 * L::kLanes * 2 / t * 1e-9;
}

__attribute__((target("avx2,fma"), flatten)) double ymm_gflops(long iters) { return fma_gflops<Ymm>(iters); }
__attribute__((target("avx512f"), flatten)) double zmm_gflops(long iters) { return fma_gflops<Zmm>(iters); }

}  // namespace

int main(int argc, char** argv) {
  const std::string_view isa = acgs::cpu::best_kernels().isa;
  const bool zmm = argc > 1 ? std::string_view(argv[1]) == "zmm" : isa == "avx512-vnni";
  if (zmm && !acgs::cpu::cpu_has_avx512_vnni()) {
    std::fprintf(stderr, "fma_peak: this CPU has no AVX-512 kernels\n");
    return 2;
  }
  std::fprintf(stderr, "fma_peak: %s FMAs (the cpu backend runs the %s kernels)\n", zmm ? "zmm" : "ymm",
               isa.data());
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double g = zmm ? zmm_gflops(50'000'000) : ymm_gflops(100'000'000);
    best = g > best ? g : best;
  }
  std::printf("%.1f\n", best);
  return 0;
}
