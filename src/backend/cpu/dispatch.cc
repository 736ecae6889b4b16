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

const CpuKernels& best_kernels() {
  static const bool avx2 = cpu_has_avx2_fma();
  return avx2 ? kAvx2Kernels : kGenericKernels;
}

}  // namespace acgs::cpu
