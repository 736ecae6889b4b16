#include "backend/cuda/cuda_check.h"

#include <string>

#include "common/error.h"

namespace acgs::cuda {

void check_cuda(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  const ErrorKind kind = status == cudaErrorMemoryAllocation ? ErrorKind::kUnavailable : ErrorKind::kInternal;
  fail(kind, std::string("CUDA call ") + call + " failed with code " + std::to_string(int(status)) + " (" +
                 cudaGetErrorName(status) + ": " + cudaGetErrorString(status) +
                 "); check the driver with nvidia-smi, or choose a smaller --max-batch/--max-seq on out of memory");
}

void check_cublas(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail(ErrorKind::kInternal, std::string("cuBLASLt call ") + call + " failed with code " +
                                 std::to_string(int(status)) + " (" + cublasLtGetStatusString(status) +
                                 "); rebuild the engine plan with `acgs-infer optimize` if it came from a plan");
}

void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) check_cuda(status, kernel);
}

}  // namespace acgs::cuda
