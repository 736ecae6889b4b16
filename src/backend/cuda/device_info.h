#pragma once
// What is there to run on: driver, device, compute capability and library versions.
#include <string>

#include "backend/cuda/plugin_api.h"

namespace acgs::cuda {

// The oldest GPU generation supported: Ampere (fp16 tensor cores with fp32 accumulation, cuBLASLt
// epilogues, >48 KiB shared memory per block).
inline constexpr int kMinComputeMajor = 8;

// Never throws: every failure (no driver, no device, unsupported GPU) becomes available = false + reason.
DeviceReport probe_device(int device);

}  // namespace acgs::cuda
