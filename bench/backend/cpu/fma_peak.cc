// fp32 FMA peak of one core at the widest vector the cpu backend's fp32 GEMM uses here: zmm where it runs the
// avx512-vnni kernels, ymm otherwise (ACGS_CPU_ISA caps both alike). 8-wide FMAs alone undercount a CPU
// that runs zmm FMAs at full width (Zen 5: 113 vs 207–220 GFLOP/s per core), and so overstate "% of peak".
// 12 independent FMA chains (enough to cover FMA latency × the two FMA pipes), timed in thread CPU time.
// Peak of the machine = result × physical cores. Prints GFLOP/s; the width on stderr.
//
// `vnni`: the int8 peak instead, zmm vpdpbusd (64 u8 × s8 multiply-adds each), in GOP/s: what cpu-int8's
// avx512-vnni GEMM and ONNX Runtime's int8 kernels are bound by.
//
// Usage: build/fma_peak [ymm|zmm|vnni]   (default: the width of the fp32 kernels in use)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
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

// The same chains on vpdpbusd: 2 · 64 int8 operations per instruction.
__attribute__((target("avx512f,avx512vnni"))) double vnni_gops(long iters) {
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

__attribute__((target("avx2,fma"), flatten)) double ymm_gflops(long iters) { return fma_gflops<Ymm>(iters); }
__attribute__((target("avx512f"), flatten)) double zmm_gflops(long iters) { return fma_gflops<Zmm>(iters); }

}  // namespace

int main(int argc, char** argv) {
  const std::string_view isa = acgs::cpu::best_kernels().isa;
  const std::string_view mode = argc > 1 ? argv[1] : isa == "avx512-vnni" ? "zmm" : "ymm";
  const bool zmm = mode == "zmm", vnni = mode == "vnni";
  if ((zmm || vnni) && !acgs::cpu::cpu_has_avx512_vnni()) {
    std::fprintf(stderr, "fma_peak: this CPU has no AVX-512 kernels\n");
    return 2;
  }
  if (vnni) {
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) best = std::max(best, vnni_gops(50'000'000));
    std::printf("%.1f\n", best);
    return 0;
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
