#pragma once
// Every CUDA runtime and cuBLASLt call goes through these checks: a failure becomes Error(kInternal) naming
// the call, the numeric code and the library's own message, so a GPU failure is never silent.
#include <cublasLt.h>
#include <cuda_runtime.h>

namespace acgs::cuda {

void check_cuda(cudaError_t status, const char* call);
void check_cublas(cublasStatus_t status, const char* call);
// After a kernel launch: reports a bad launch configuration (grid, shared memory) as the named kernel's
// failure instead of surfacing at the next unrelated call.
void check_launch(const char* kernel);

}  // namespace acgs::cuda

#define ACGS_CUDA(call) ::acgs::cuda::check_cuda((call), #call)
#define ACGS_CUBLAS(call) ::acgs::cuda::check_cublas((call), #call)
