#include "engine/backend_factory.h"

#include "backend/cpu/cpu_backend.h"
#include "backend/reference/reference_backend.h"
#include "common/error.h"
#include "engine/cuda_plugin.h"

namespace acgs {

std::vector<std::string> known_backends() { return {"reference", "cpu", "cpu-int8", "cuda-fp32", "cuda-fp16"}; }

std::unique_ptr<Backend> make_backend(const std::string& name, std::shared_ptr<const ModelWeights> weights,
                                      const BackendOptions& options) {
  if (name == "reference") return make_reference_backend(std::move(weights));
  if (name == "cpu" || name == "cpu-int8") {
    return make_cpu_backend(std::move(weights),
                            {name == "cpu" ? CpuPrecision::kFp32 : CpuPrecision::kInt8, options.threads, nullptr});
  }
  if (name == "cuda-fp16" || name == "cuda-fp32") {
    cuda::CudaOptions cuda_options;
    cuda_options.precision = name.substr(5);
    cuda_options.plan_path = options.plan_path;
    cuda_options.max_batch = options.max_batch;
    cuda_options.max_seq = options.max_seq;
    return create_cuda_backend(std::move(weights), cuda_options);
  }
  std::string known;
  for (const auto& k : known_backends()) known += (known.empty() ? "" : ", ") + k;
  fail(ErrorKind::kInvalidArgument, "unknown backend '" + name + "': choose one of " + known);
}

}  // namespace acgs
