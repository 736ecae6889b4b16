#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/hold.h"

namespace acgs::cuda {
namespace {

__device__ __forceinline__ unsigned long long global_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// volatile: every iteration reads host memory again instead of a value cached in a register.
__global__ void hold_kernel(const volatile int* flag, unsigned long long timeout_ns) {
  const unsigned long long start = global_ns();
  while (*flag == 0 && global_ns() - start < timeout_ns) __nanosleep(2000);
}

}  // namespace

void launch_hold(cudaStream_t stream, const int* flag, unsigned long long timeout_ns) {
  hold_kernel<<<1, 1, 0, stream>>>(flag, timeout_ns);
  check_launch("hold_kernel");
}

}  // namespace acgs::cuda
