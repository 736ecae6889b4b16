// fp32 FMA peak of one core at the widest vector the cpu backend's fp32 GEMM uses here: zmm where it runs the
// avx512-vnni kernels, ymm otherwise (ACGS_CPU_ISA caps both alike). 8-wide FMAs alone undercount a CPU
// that runs zmm FMAs at full width (Zen 5: 113 vs 207–220 GFLOP/s per core), and so overstate "% of peak".
// Peak of the machine = result × physical cores. Prints GFLOP/s; the width on stderr.
// `vnni`: the int8 peak instead, zmm vpdpbusd (64 u8 × s8 multiply-adds each), in GOP/s: what cpu-int8's
// avx512-vnni GEMM and ONNX Runtime's int8 kernels are bound by.
//
// Usage: build/fma_peak [ymm|zmm|vnni]   (default: the width of the fp32 kernels in use)
#include <algorithm>
#include <cstdio>
#include <string_view>

#include "backend/cpu/kernels.h"
#include "fma_chains.h"

int main(int argc, char** argv) {
  const std::string_view isa = acgs::cpu::best_kernels().isa;
  const std::string_view mode = argc > 1 ? argv[1] : isa == "avx512-vnni" ? "zmm" : "ymm";
  if (mode != "ymm" && !acgs::cpu::cpu_has_avx512_vnni()) {
    std::fprintf(stderr, "fma_peak: this CPU has no AVX-512 kernels\n");
    return 2;
  }
  std::fprintf(stderr, "fma_peak: %s (the cpu backend runs the %s kernels)\n", mode.data(), isa.data());
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double g = mode == "vnni" ? acgs::bench::vnni_gops(50'000'000)
                     : mode == "zmm" ? acgs::bench::zmm_fma_gflops(50'000'000)
                                     : acgs::bench::ymm_fma_gflops(100'000'000);
    best = std::max(best, g);
  }
  std::printf("%.1f\n", best);
  return 0;
}
