#pragma once
// The fast CPU backends: "cpu" (fp32) and "cpu-int8" (int8 weights per output channel, dynamic per-token
// int8 activations; LayerNorm, softmax, GELU and residuals stay fp32). Weights are fused (QKV) and packed
// once here; every forward() reuses a workspace from a pool, so the steady state allocates nothing.
#include <memory>

#include "backend/backend.h"
#include "backend/cpu/kernels.h"

namespace acgs {

enum class CpuPrecision { kFp32, kInt8 };

struct CpuBackendOptions {
  CpuPrecision precision = CpuPrecision::kFp32;
  int threads = 0;                            // 0 = physical cores
  const cpu::CpuKernels* kernels = nullptr;   // nullptr = the best this CPU supports (AVX2, else portable)
};

std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const ModelWeights> weights,
                                          const CpuBackendOptions& options = {});

}  // namespace acgs
