// Non-x86 builds: there are no AVX2 or AVX-512 kernels; the CPUID checks are false, so these tables are never
// used.
#include "backend/cpu/kernels.h"

namespace acgs::cpu {

const CpuKernels kAvx2Kernels = kGenericKernels;
const CpuKernels kAvx512VnniKernels = kGenericKernels;

}  // namespace acgs::cpu
