// A stand-in for libacgs_cuda.so that the engine's fallback chain can succeed with, so the plan paths
// (valid, corrupt, another GPU, model changed, rebuilt) run on machines without CUDA. Behaviour by
// environment, read on every call:
//   ACGS_FAKE_CUDA_DEVICE  set: device 0 exists, named "Fake GPU" (compute capability 9.0); unset: no driver.
//   ACGS_FAKE_CUDA_MODE    "works": build_plan writes a real plan header for the model and create() runs
//                          the reference backend (refusing a plan that does not validate for this model);
//                          "garbage": the same, but forward() returns constant rows (fails the self-check);
//                          anything else: create() and build_plan() refuse.
#include <cstdlib>
#include <string>

#include "backend/cuda/plugin_api.h"
#include "backend/reference/reference_backend.h"
#include "plan/plan_format.h"

namespace {

constexpr const char* kGpu = "Fake GPU";

std::string mode() {
  const char* m = std::getenv("ACGS_FAKE_CUDA_MODE");
  return m != nullptr ? m : "";
}

class FakeBackend final : public acgs::Backend {
 public:
  FakeBackend(std::unique_ptr<acgs::Backend> inner, std::string name, bool garbage)
      : inner_(std::move(inner)), name_(std::move(name)), garbage_(garbage) {}
  acgs::BackendInfo info() const override { return {name_, name_.substr(5), kGpu}; }
  const acgs::ModelConfig& config() const override { return inner_->config(); }
  void forward(const acgs::TokenBatch& batch, std::span<float> hidden) override {
    inner_->forward(batch, hidden);
    if (garbage_)
      for (float& x : hidden) x = 1.0f;
  }

 private:
  std::unique_ptr<acgs::Backend> inner_;
  std::string name_;
  bool garbage_;
};

acgs::cuda::DeviceReport probe(int device) {
  acgs::cuda::DeviceReport r;
  if (std::getenv("ACGS_FAKE_CUDA_DEVICE") == nullptr || device != 0) {
    r.reason = "fake: CUDA driver not found";
    return r;
  }
  r.available = true;
  r.name = kGpu;
  r.cc_major = 9;
  r.runtime_version = "fake-runtime";
  r.cublaslt_version = "fake-cublaslt";
  return r;
}

acgs::Backend* create(const acgs::ModelWeights& weights, const acgs::cuda::CudaOptions& options, std::string* error) {
  if (mode() != "works" && mode() != "garbage") {
    *error = "fake: refused precision " + options.precision;
    return nullptr;
  }
  if (!options.plan_path.empty()) {
    acgs::plan::PlanExpect expect;
    expect.model_sha256 = weights.sha256;
    expect.precision = options.precision;
    expect.gpu_name = kGpu;
    const acgs::plan::PlanCheck check = acgs::plan::check_plan(options.plan_path, expect);
    if (!check.valid) {
      *error = "fake: " + check.reason;
      return nullptr;
    }
  }
  // A copy: the backend must not outlive the caller's weights by reference.
  auto inner = acgs::make_reference_backend(std::make_shared<const acgs::ModelWeights>(weights));
  return new FakeBackend(std::move(inner), "cuda-" + options.precision, mode() == "garbage");
}

bool build_plan(const acgs::ModelWeights& weights, const acgs::cuda::CudaOptions& options, const std::string& out,
                std::string* error) {
  if (mode() != "works" && mode() != "garbage") {
    *error = "fake: cannot write " + out;
    return false;
  }
  acgs::plan::PlanHeader h;
  h.model_sha256 = weights.sha256;
  h.precision = options.precision;
  h.max_batch = options.max_batch;
  h.max_seq = options.max_seq;
  h.gpu_name = kGpu;
  h.cc_major = 9;
  acgs::plan::PlanWriter(h).write(out);
  return true;
}

const acgs::cuda::PluginApi kApi{acgs::cuda::kAbiVersion, probe, create, build_plan};

}  // namespace

extern "C" const acgs::cuda::PluginApi* acgs_cuda_plugin_v1() { return &kApi; }
