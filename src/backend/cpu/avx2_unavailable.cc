// Non-x86 builds: there are no AVX2 kernels; cpu_has_avx2_fma() is false, so this table is never used.
#include "backend/cpu/kernels.h"

namespace acgs::cpu {

const CpuKernels kAvx2Kernels = kGenericKernels;

}  // namespace acgs::cpu
