#pragma once
// Finds and loads the CUDA backend plugin (libacgs_cuda.so) at run time, so acgs-infer links no CUDA library
// and runs on machines without a driver. Every way this can fail (plugin not built, not found, a missing
// libcublasLt, a stale ABI, no driver, no device) ends up as one human-readable reason, which `status`
// prints and make_backend throws as Error(kUnavailable).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/cuda/plugin_api.h"

namespace acgs {

struct CudaPluginInfo {
  bool compiled = false;              // this build tree produced libacgs_cuda.so (nvcc was found)
  bool loaded = false;
  std::string path;                   // the file loaded, or the one that failed to load
  std::string reason;                 // why not loaded; empty when loaded
  std::vector<std::string> searched;  // candidate files, in search order
};

// Loads the plugin once per process (thread-safe) and caches the outcome. Search order:
//   1. $ACGS_CUDA_PLUGIN: the plugin file, or a folder holding libacgs_cuda.so. When set, nothing else is
//      tried: an explicit choice must not silently pick up another build.
//   2. the folder of the running executable (/proc/self/exe), then its lib/ subfolder;
//   3. the folder the build tree put the plugin in (tests and uninstalled builds).
// The first candidate that exists is dlopen'ed; a dlopen failure is reported, not skipped.
const CudaPluginInfo& cuda_plugin_info();

// The loaded plugin's table, or nullptr (see cuda_plugin_info().reason).
const cuda::PluginApi* cuda_plugin_api();

// What the plugin reports for `device`; when the plugin did not load, available = false with the load
// failure as the reason. Never throws.
cuda::DeviceReport probe_cuda_device(int device = 0);

// A CUDA backend ("cuda-fp16" / "cuda-fp32" by options.precision). Throws Error(kUnavailable) with the
// reason when the plugin is missing, no usable device is present, or the plugin fails to start (an invalid
// plan included). The returned backend keeps `weights` alive.
std::unique_ptr<Backend> create_cuda_backend(std::shared_ptr<const ModelWeights> weights,
                                             const cuda::CudaOptions& options);

// Autotunes on the device and writes an engine plan to out_path; throws Error(kUnavailable) as above.
void build_cuda_plan(const ModelWeights& weights, const cuda::CudaOptions& options,
                     const std::filesystem::path& out_path);

namespace detail {
// One uncached search-and-load, as cuda_plugin_info() does on first use (for tests that vary the
// environment). *api is the table or nullptr.
CudaPluginInfo load_cuda_plugin(const cuda::PluginApi** api);
}  // namespace detail

}  // namespace acgs
