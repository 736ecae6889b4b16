#include "backend/cuda/device_info.h"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <exception>

namespace acgs::cuda {
namespace {

// cudaRuntimeGetVersion / cudaDriverGetVersion encode 1000 * major + 10 * minor.
std::string cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// cublasLtGetVersion encodes 10000 * major + 100 * minor + patch.
std::string cublaslt_version(size_t v) {
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}

std::string cuda_failure(const char* what, cudaError_t status) {
  return std::string(what) + " (" + cudaGetErrorName(status) + ": " + cudaGetErrorString(status) + ")";
}

}  // namespace

DeviceReport probe_device(int device) {
  DeviceReport r;
  try {
    int runtime = 0, driver = 0, count = 0;
    cudaRuntimeGetVersion(&runtime);
    r.runtime_version = cuda_version(runtime);
    r.cublaslt_version = cublaslt_version(cublasLtGetVersion());
    if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) r.driver_version = cuda_version(driver);
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();
      r.reason = cuda_failure("no usable CUDA driver or device", status) +
                 ": install the NVIDIA driver or use a CPU backend";
      return r;
    }
    if (count == 0) {
      r.reason = "no CUDA device present: use a CPU backend";
      return r;
    }
    if (device < 0 || device >= count) {
      r.reason = "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
                 " present): choose a device in [0, " + std::to_string(count) + ")";
      return r;
    }
    cudaDeviceProp prop{};
    const cudaError_t props = cudaGetDeviceProperties(&prop, device);
    if (props != cudaSuccess) {
      cudaGetLastError();
      r.reason = cuda_failure("cannot query CUDA device properties", props);
      return r;
    }
    r.name = prop.name;
    r.cc_major = prop.major;
    r.cc_minor = prop.minor;
    r.memory_bytes = prop.totalGlobalMem;
    if (prop.major < kMinComputeMajor) {
      r.reason = r.name + " has compute capability " + std::to_string(prop.major) + "." +
                 std::to_string(prop.minor) + "; the CUDA backend needs 8.0 (Ampere) or newer";
      return r;
    }
    r.available = true;
  } catch (const std::exception& e) {
    r.available = false;
    r.reason = std::string("CUDA probe failed: ") + e.what();
  }
  return r;
}

}  // namespace acgs::cuda
