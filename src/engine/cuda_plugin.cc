#include "engine/cuda_plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include "common/error.h"

// Set by src/engine/CMakeLists.txt: whether this build tree builds the plugin, and where it puts it.
#ifndef ACGS_CUDA_COMPILED
#define ACGS_CUDA_COMPILED 0
#endif
#ifndef ACGS_CUDA_BUILD_DIR
#define ACGS_CUDA_BUILD_DIR ""
#endif

namespace acgs {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPluginFile = "libacgs_cuda.so";

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::vector<fs::path> candidates(std::string* note) {
  if (const char* env = std::getenv("ACGS_CUDA_PLUGIN"); env != nullptr && *env != '\0') {
    const fs::path p(env);
    std::error_code ec;
    *note = " ($ACGS_CUDA_PLUGIN is set, so nothing else was searched)";
    return {fs::is_directory(p, ec) ? p / kPluginFile : p};
  }
  std::vector<fs::path> out;
  if (const fs::path dir = executable_dir(); !dir.empty()) {
    out.push_back(dir / kPluginFile);
    out.push_back(dir / "lib" / kPluginFile);
  }
  if (const fs::path build = ACGS_CUDA_BUILD_DIR; !build.empty()) out.push_back(build / kPluginFile);
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

std::string not_built_hint() {
  return ACGS_CUDA_COMPILED ? "build it with `cmake --build <build dir> --target acgs_cuda`"
                            : "this build was configured without CUDA (nvcc not found or ACGS_WITH_CUDA=OFF); "
                              "reconfigure with -DACGS_WITH_CUDA=ON on a machine with the CUDA toolkit";
}

const cuda::PluginApi* api_or_reason(CudaPluginInfo& info) {
  std::string note;
  for (const fs::path& c : candidates(&note)) info.searched.push_back(c.string());
  for (const std::string& path : info.searched) {
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    info.path = path;
    // RTLD_LOCAL: the plugin's symbols (and the CUDA libraries it pulls in) stay out of the global scope.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* err = ::dlerror();
      info.reason = "cannot load " + path + ": " + (err ? err : "unknown dlopen error") +
                    " (is the CUDA 13 runtime / cuBLASLt on LD_LIBRARY_PATH?)";
      return nullptr;
    }
    // The handle is never closed: backends created by the plugin may live until exit.
    using Entry = const cuda::PluginApi* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "acgs_cuda_plugin_v1"));
    if (entry == nullptr) {
      info.reason = path + " has no symbol acgs_cuda_plugin_v1: not an acgs-infer CUDA plugin";
      return nullptr;
    }
    const cuda::PluginApi* api = entry();
    if (api == nullptr || api->abi_version != cuda::kAbiVersion || !api->probe || !api->create ||
        !api->build_plan) {
      info.reason = path + " has plugin ABI version " + (api ? std::to_string(api->abi_version) : "none") +
                    ", this acgs-infer needs " + std::to_string(cuda::kAbiVersion) +
                    ": rebuild the plugin from the same tree";
      return nullptr;
    }
    info.loaded = true;
    return api;
  }
  info.reason = std::string(kPluginFile) + " not found (searched " + join(info.searched) + ")" + note + "; " +
                not_built_hint();
  return nullptr;
}

struct Loaded {
  CudaPluginInfo info;
  const cuda::PluginApi* api = nullptr;
};

const Loaded& loaded() {
  static const Loaded instance = [] {
    Loaded l;
    l.info = detail::load_cuda_plugin(&l.api);
    return l;
  }();
  return instance;
}

// Keeps the model alive for the plugin's backend, which may refer to the host weights after create().
class PluginBackend final : public Backend {
 public:
  PluginBackend(std::shared_ptr<const ModelWeights> weights, std::unique_ptr<Backend> inner)
      : weights_(std::move(weights)), inner_(std::move(inner)) {}
  BackendInfo info() const override { return inner_->info(); }
  const ModelConfig& config() const override { return inner_->config(); }
  void forward(const TokenBatch& batch, std::span<float> hidden) override { inner_->forward(batch, hidden); }
  void embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) override {
    inner_->embed(batch, pooling, normalize, pooled);
  }

 private:
  std::shared_ptr<const ModelWeights> weights_;
  std::unique_ptr<Backend> inner_;  // destroyed first, while the weights still exist
};

std::string backend_name(const cuda::CudaOptions& options) { return "cuda-" + options.precision; }

// The plugin's table when it is loaded and the device usable; else throws Error(kUnavailable).
const cuda::PluginApi& usable_api(const cuda::CudaOptions& options, const char* what) {
  const cuda::PluginApi* api = cuda_plugin_api();
  if (api == nullptr) fail(ErrorKind::kUnavailable, std::string(what) + ": " + cuda_plugin_info().reason);
  const cuda::DeviceReport dev = api->probe(options.device);
  if (!dev.available)
    fail(ErrorKind::kUnavailable, std::string(what) + ": no usable CUDA device " + std::to_string(options.device) +
                                      ": " + dev.reason);
  return *api;
}

}  // namespace

CudaPluginInfo detail::load_cuda_plugin(const cuda::PluginApi** api) {
  CudaPluginInfo info;
  info.compiled = ACGS_CUDA_COMPILED;
  *api = api_or_reason(info);
  return info;
}

const CudaPluginInfo& cuda_plugin_info() { return loaded().info; }

const cuda::PluginApi* cuda_plugin_api() { return loaded().api; }

cuda::DeviceReport probe_cuda_device(int device) {
  const cuda::PluginApi* api = cuda_plugin_api();
  if (api == nullptr) {
    cuda::DeviceReport r;
    r.reason = cuda_plugin_info().reason;
    return r;
  }
  return api->probe(device);
}

std::unique_ptr<Backend> create_cuda_backend(std::shared_ptr<const ModelWeights> weights,
                                             const cuda::CudaOptions& options) {
  if (options.precision != "fp16" && options.precision != "fp32")
    fail(ErrorKind::kInvalidArgument, "CUDA precision '" + options.precision + "': choose fp16 or fp32");
  const std::string what = backend_name(options) + " backend unavailable";
  const cuda::PluginApi& api = usable_api(options, what.c_str());
  std::string error;
  Backend* raw = api.create(*weights, options, &error);
  if (raw == nullptr)
    fail(ErrorKind::kUnavailable, what + ": " + (error.empty() ? "the plugin gave no reason" : error));
  return std::make_unique<PluginBackend>(std::move(weights), std::unique_ptr<Backend>(raw));
}

void build_cuda_plan(const ModelWeights& weights, const cuda::CudaOptions& options,
                     const std::filesystem::path& out_path) {
  if (options.precision != "fp16" && options.precision != "fp32")
    fail(ErrorKind::kInvalidArgument, "CUDA precision '" + options.precision + "': choose fp16 or fp32");
  const cuda::PluginApi& api = usable_api(options, "cannot build an engine plan");
  std::string error;
  if (!api.build_plan(weights, options, out_path.string(), &error))
    fail(ErrorKind::kUnavailable, "building the engine plan " + out_path.string() + " failed: " +
                                      (error.empty() ? "the plugin gave no reason" : error));
}

}  // namespace acgs
