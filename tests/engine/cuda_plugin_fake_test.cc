// make_backend / build_cuda_plan through a loaded plugin (the fake one): the device and create() failure
// paths. The process-wide loader reads $ACGS_CUDA_PLUGIN once, so it is set before main().
#include <gtest/gtest.h>
#include <stdlib.h>

#include <functional>

#include "common/error.h"
#include "engine/backend_factory.h"
#include "engine/cuda_plugin.h"

namespace acgs {
namespace {

const bool kPluginEnvSet = ::setenv("ACGS_CUDA_PLUGIN", ACGS_FAKE_PLUGIN, 1) == 0;

std::string unavailable_reason(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "did not throw";
  return "";
}

TEST(CudaPluginFake, LoadsFromEnv) {
  ASSERT_TRUE(kPluginEnvSet);
  EXPECT_TRUE(cuda_plugin_info().loaded) << cuda_plugin_info().reason;
  EXPECT_EQ(cuda_plugin_info().path, ACGS_FAKE_PLUGIN);
}

TEST(CudaPluginFake, NoDeviceIsUnavailableWithTheDriverReason) {
  ::unsetenv("ACGS_FAKE_CUDA_DEVICE");
  EXPECT_EQ(probe_cuda_device(0).reason, "fake: CUDA driver not found");
  const std::string msg =
      unavailable_reason([] { make_backend("cuda-fp16", std::make_shared<ModelWeights>(), {}); });
  EXPECT_EQ(msg, "cuda-fp16 backend unavailable: no usable CUDA device 0: fake: CUDA driver not found");
  const std::string plan =
      unavailable_reason([] { build_cuda_plan(ModelWeights{}, cuda::CudaOptions{}, "/tmp/x.plan"); });
  EXPECT_NE(plan.find("cannot build an engine plan: no usable CUDA device 0"), std::string::npos) << plan;
}

TEST(CudaPluginFake, CreateFailurePassesThePluginsReasonAndOptions) {
  ::setenv("ACGS_FAKE_CUDA_DEVICE", "1", 1);
  BackendOptions options;
  options.plan_path = "/tmp/some.plan";
  const std::string msg =
      unavailable_reason([&] { make_backend("cuda-fp32", std::make_shared<ModelWeights>(), options); });
  EXPECT_EQ(msg, "cuda-fp32 backend unavailable: fake: refused precision fp32 with plan '/tmp/some.plan'");
  const std::string plan =
      unavailable_reason([] { build_cuda_plan(ModelWeights{}, cuda::CudaOptions{}, "/tmp/x.plan"); });
  EXPECT_EQ(plan, "building the engine plan /tmp/x.plan failed: fake: cannot write /tmp/x.plan");
  ::unsetenv("ACGS_FAKE_CUDA_DEVICE");
}

TEST(CudaPluginFake, BadPrecisionIsAUsageError) {
  cuda::CudaOptions o;
  o.precision = "int4";
  try {
    create_cuda_backend(std::make_shared<ModelWeights>(), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
  }
}

}  // namespace
}  // namespace acgs
