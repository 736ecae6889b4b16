#include "backend/cpu/kernels.h"

namespace acgs::cpu {

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool cpu_has_avx512_vnni() {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include XGETBV: false where the OS does not save the zmm registers.
  __builtin_cpu_init();
  return cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

const CpuKernels& best_kernels() {
  static const CpuKernels& best = cpu_has_avx512_vnni() ? kAvx512VnniKernels
                                  : cpu_has_avx2_fma()   ? kAvx2Kernels
                                                         : kGenericKernels;
  return best;
}

}  // namespace acgs::cpu
