// A stand-in for libacgs_cuda.so so the loader's failure paths run on machines without CUDA. Built three
// times: with the real ABI version, with FAKE_ABI_VERSION set to a stale one, and with FAKE_NO_ENTRY (a
// shared library that is not a plugin). Its "device" exists only while
// ACGS_FAKE_CUDA_DEVICE is set; create() and build_plan() always refuse, with a recognisable reason.
#include <cstdlib>

#include "backend/cuda/plugin_api.h"

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION acgs::cuda::kAbiVersion
#endif

namespace {

acgs::cuda::DeviceReport probe(int device) {
  acgs::cuda::DeviceReport r;
  if (std::getenv("ACGS_FAKE_CUDA_DEVICE") == nullptr || device != 0) {
    r.reason = "fake: CUDA driver not found";
    return r;
  }
  r.available = true;
  r.name = "Fake GPU";
  r.cc_major = 9;
  return r;
}

acgs::Backend* create(const acgs::ModelWeights&, const acgs::cuda::CudaOptions& options, std::string* error) {
  *error = "fake: refused precision " + options.precision + " with plan '" + options.plan_path + "'";
  return nullptr;
}

bool build_plan(const acgs::ModelWeights&, const acgs::cuda::CudaOptions&, const std::string& out,
                std::string* error) {
  *error = "fake: cannot write " + out;
  return false;
}

const acgs::cuda::PluginApi kApi{FAKE_ABI_VERSION, probe, create, build_plan};

}  // namespace

#ifndef FAKE_NO_ENTRY
extern "C" const acgs::cuda::PluginApi* acgs_cuda_plugin_v1() { return &kApi; }
#else
extern "C" const acgs::cuda::PluginApi* some_other_entry() { return &kApi; }
#endif
