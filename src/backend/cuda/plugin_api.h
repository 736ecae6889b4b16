#pragma once
// The C ABI of libacgs_cuda.so. The engine dlopens the plugin and looks up one symbol,
// acgs_cuda_plugin_v1, which returns this table; the main binary therefore links no CUDA library and runs
// on machines without a driver. Plain C++ types cross the boundary: plugin and host are built by the same
// toolchain from the same tree, and kAbiVersion guards against a stale plugin.
#include <cstddef>
#include <string>

#include "backend/backend.h"

namespace acgs::cuda {

inline constexpr int kAbiVersion = 2;  // 2: BackendInfo::notes

struct DeviceReport {
  bool available = false;
  std::string reason;  // why not available: no driver, no device, compute capability too old...
  std::string name;    // e.g. "NVIDIA H100 80GB HBM3"
  int cc_major = 0, cc_minor = 0;
  std::string driver_version, runtime_version, cublaslt_version;
  size_t memory_bytes = 0;
};

struct CudaOptions {
  std::string precision = "fp16";  // "fp16" | "fp32"
  std::string plan_path;           // load this plan (validated) instead of building in memory; may be empty
  int max_batch = 64;
  int max_seq = 128;
  int device = 0;
};

struct PluginApi {
  int abi_version;
  DeviceReport (*probe)(int device);
  // nullptr with *error filled on failure.
  Backend* (*create)(const ModelWeights& weights, const CudaOptions& options, std::string* error);
  // Autotunes and writes an engine plan file; false with *error filled on failure.
  bool (*build_plan)(const ModelWeights& weights, const CudaOptions& options, const std::string& out_path,
                     std::string* error);
};

}  // namespace acgs::cuda

extern "C" const acgs::cuda::PluginApi* acgs_cuda_plugin_v1();
