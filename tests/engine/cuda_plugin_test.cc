// The CUDA plugin loader on this machine: every failure must surface as a reason, never a crash.
#include "engine/cuda_plugin.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "engine/backend_factory.h"

namespace acgs {
namespace {

// Restores $ACGS_CUDA_PLUGIN after a test points it elsewhere.
class PluginEnv {
 public:
  explicit PluginEnv(const std::string& value) {
    if (const char* old = std::getenv("ACGS_CUDA_PLUGIN")) old_ = old, had_ = true;
    ::setenv("ACGS_CUDA_PLUGIN", value.c_str(), 1);
  }
  ~PluginEnv() { had_ ? ::setenv("ACGS_CUDA_PLUGIN", old_.c_str(), 1) : ::unsetenv("ACGS_CUDA_PLUGIN"); }

 private:
  std::string old_;
  bool had_ = false;
};

CudaPluginInfo load_with(const std::string& env, const cuda::PluginApi** api) {
  PluginEnv e(env);
  return detail::load_cuda_plugin(api);
}

TEST(CudaPlugin, KnownBackendsListCuda) {
  const auto names = known_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda-fp16"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "cuda-fp32"), names.end());
}

TEST(CudaPlugin, RequestingCudaHereGivesTheReason) {
  if (probe_cuda_device().available) GTEST_SKIP() << "a CUDA device is present; the GPU tests cover it";
  for (const std::string name : {"cuda-fp16", "cuda-fp32"}) {
    try {
      make_backend(name, std::make_shared<ModelWeights>(), {});
      FAIL() << name << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
      const std::string msg = e.what();
      EXPECT_NE(msg.find(name + " backend unavailable: "), std::string::npos) << msg;
      const CudaPluginInfo& info = cuda_plugin_info();
      // Either the plugin is absent (the reason lists where we looked) or it loaded and found no device.
      const std::string want = info.loaded ? "no usable CUDA device 0" : info.reason;
      EXPECT_NE(msg.find(want), std::string::npos) << msg;
    }
  }
}

TEST(CudaPlugin, ProbeWithoutPluginNeverThrows) {
  const cuda::DeviceReport r = probe_cuda_device(0);
  EXPECT_TRUE(r.available || !r.reason.empty());
}

TEST(CudaPlugin, MissingFileListsTheSearch) {
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = load_with("/nonexistent/dir/libacgs_cuda.so", &api);
  EXPECT_EQ(api, nullptr);
  EXPECT_FALSE(info.loaded);
  const std::string want = "libacgs_cuda.so not found (searched /nonexistent/dir/libacgs_cuda.so)";
  EXPECT_NE(info.reason.find(want), std::string::npos) << info.reason;
  EXPECT_NE(info.reason.find("ACGS_CUDA_PLUGIN is set"), std::string::npos) << info.reason;
}

TEST(CudaPlugin, DefaultSearchIncludesTheExecutableFolder) {
  ::unsetenv("ACGS_CUDA_PLUGIN");
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = detail::load_cuda_plugin(&api);
  const std::string exe_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
  ASSERT_FALSE(info.searched.empty());
  EXPECT_EQ(info.searched.front(), exe_dir + "/libacgs_cuda.so");
}

TEST(CudaPlugin, GarbageFileGivesTheDlopenError) {
  const auto path = std::filesystem::temp_directory_path() / ("acgs_garbage_" + std::to_string(::getpid()) + ".so");
  std::ofstream(path) << "this is not an ELF file\n";
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = load_with(path.string(), &api);
  std::filesystem::remove(path);
  EXPECT_EQ(api, nullptr);
  EXPECT_NE(info.reason.find("cannot load " + path.string() + ": "), std::string::npos) << info.reason;
  EXPECT_NE(info.reason.find(path.string() + ": "), std::string::npos) << info.reason;  // dlerror names it
}

TEST(CudaPlugin, FolderInEnvFindsThePluginInside) {
  const std::filesystem::path fake = ACGS_FAKE_PLUGIN;
  const auto dir = std::filesystem::temp_directory_path() / ("acgs_plugdir_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(fake, dir / "libacgs_cuda.so");
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = load_with(dir.string(), &api);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(info.loaded) << info.reason;
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->abi_version, cuda::kAbiVersion);
}

TEST(CudaPlugin, StaleAbiIsRejected) {
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = load_with(ACGS_STALE_PLUGIN, &api);
  EXPECT_EQ(api, nullptr);
  const std::string want = "plugin ABI version 999, this acgs-infer needs " + std::to_string(cuda::kAbiVersion);
  EXPECT_NE(info.reason.find(want), std::string::npos) << info.reason;
}

TEST(CudaPlugin, NotAPluginLibrary) {
  const cuda::PluginApi* api = nullptr;
  const CudaPluginInfo info = load_with(ACGS_NOT_A_PLUGIN, &api);
  EXPECT_EQ(api, nullptr);
  EXPECT_NE(info.reason.find("has no symbol acgs_cuda_plugin_v1"), std::string::npos) << info.reason;
}

}  // namespace
}  // namespace acgs
