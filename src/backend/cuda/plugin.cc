// The plugin's only exported symbol (see exports.map): the C ABI table of plugin_api.h. Exceptions never
// cross it; they become the error string.
#include <exception>

#include "backend/cuda/cuda_factory.h"
#include "backend/cuda/device_info.h"

namespace acgs::cuda {
namespace {

DeviceReport probe(int device) { return probe_device(device); }

Backend* create(const ModelWeights& weights, const CudaOptions& options, std::string* error) {
  try {
    return make_cuda_backend(weights, options).release();
  } catch (const std::exception& e) {
    if (error) *error = e.what();
  }
  return nullptr;
}

bool build_plan(const ModelWeights& weights, const CudaOptions& options, const std::string& out_path,
                std::string* error) {
  try {
    write_cuda_plan(weights, options, out_path);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
  }
  return false;
}

}  // namespace
}  // namespace acgs::cuda

extern "C" __attribute__((visibility("default"))) const acgs::cuda::PluginApi* acgs_cuda_plugin_v1() {
  static const acgs::cuda::PluginApi api{acgs::cuda::kAbiVersion, &acgs::cuda::probe, &acgs::cuda::create,
                                         &acgs::cuda::build_plan};
  return &api;
}
