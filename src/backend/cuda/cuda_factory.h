#pragma once
// The C++ (throwing) implementations behind the plugin's C ABI.
#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/cuda/plugin_api.h"

namespace acgs::cuda {

// With options.plan_path: loads the plan, validates it against these weights, this GPU and these library
// versions (Error(kInvalidModel) with the mismatch), and uses its weights and algorithms without tuning.
// Without: converts the weights and takes cuBLASLt's heuristic choice per GEMM bucket.
// Error(kUnavailable) when no suitable device is present.
std::unique_ptr<Backend> make_cuda_backend(const ModelWeights& weights, const CudaOptions& options);

// Autotunes every GEMM bucket for options.max_batch x options.max_seq and writes the plan.
void write_cuda_plan(const ModelWeights& weights, const CudaOptions& options, const std::string& out_path);

}  // namespace acgs::cuda
