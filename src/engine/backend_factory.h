#pragma once
// Creates a backend by name. The engine's fallback chain (engine.h) is built on this; `bench` and tests
// use it directly to name one backend.
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace acgs {

struct BackendOptions {
  int threads = 0;          // 0 = physical cores
  std::string plan_path;    // CUDA engine plan to load
  int max_batch = 64;
  int max_seq = 128;
};

// Known names: reference, cpu, cpu-int8, cuda-fp32, cuda-fp16. Throws Error(kUnavailable) with the reason
// when the backend cannot run here, Error(kInvalidArgument) for an unknown name (listing the known ones).
std::unique_ptr<Backend> make_backend(const std::string& name, std::shared_ptr<const ModelWeights> weights,
                                      const BackendOptions& options);
std::vector<std::string> known_backends();

}  // namespace acgs
