// The CUDA part of the chain through a fake plugin (engine_fake_plugin.cc): a valid plan is used; a
// corrupt plan, a plan for another GPU and a plan for a changed model are each detected, reported in the
// status and rebuilt (when the "GPU" can build) or fallen back from; a backend that fails its startup
// self-check is skipped; fp32 plans serve cuda-fp32 and are never rebuilt over as fp16 plans. The
// process-wide loader reads $ACGS_CUDA_PLUGIN once, so it is set before main().
#include <gtest/gtest.h>
#include <stdlib.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/plan_cache.h"
#include "model/model_files.h"
#include "plan/plan_format.h"

namespace acgs {
namespace {

using test::ScopedEnv;
using test::tiny_model_dir;

const bool kPluginEnvSet = ::setenv("ACGS_CUDA_PLUGIN", ACGS_ENGINE_FAKE_PLUGIN, 1) == 0;

class EnginePlan : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kPluginEnvSet);
    sha_ = load_weights(locate_model(tiny_model_dir())).sha256;
    cache_plan_ = plan_cache_dir() / plan_file_name(sha_, "Fake GPU", "fp16");
  }

  // A plan header as the fake GPU would write it, with `edit` applied, at `path` (default: the fp16 cache).
  void write_plan(const std::function<void(plan::PlanHeader&)>& edit, std::filesystem::path path = {}) {
    if (path.empty()) path = cache_plan_;
    plan::PlanHeader h;
    h.model_sha256 = sha_;
    h.precision = "fp16";
    h.max_batch = 64;
    h.max_seq = 128;
    h.gpu_name = "Fake GPU";
    h.cc_major = 9;
    edit(h);
    std::filesystem::create_directories(path.parent_path());
    plan::PlanWriter(h).write(path);
  }

  nlohmann::ordered_json open_status(const EngineOptions& o = {}) {
    return Engine::open(tiny_model_dir().string(), o)->status_json();
  }

  test::TempDir home_;
  ScopedEnv home_env_{"ACGS_HOME", home_.path().c_str()};
  ScopedEnv backend_env_{"ACGS_BACKEND", nullptr};
  ScopedEnv device_{"ACGS_FAKE_CUDA_DEVICE", "1"};
  std::string sha_;
  std::filesystem::path cache_plan_;
};

std::string why(const nlohmann::ordered_json& j) { return j["plan"].dump() + " " + j["backends"].dump(); }

TEST_F(EnginePlan, NoDeviceFallsBackToCpuWithTheDriverReason) {
  ScopedEnv no_device("ACGS_FAKE_CUDA_DEVICE", nullptr);
  const auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cpu");
  EXPECT_TRUE(j["backends"][0]["compiled"]);
  EXPECT_FALSE(j["backends"][0]["available"]);
  EXPECT_EQ(j["backends"][0]["reason"], "no usable CUDA device: fake: CUDA driver not found");
  EXPECT_TRUE(j["plan"]["path"].is_null());
}

TEST_F(EnginePlan, MissingPlanIsBuiltCachedAndUsed) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cuda-fp16") << why(j);
  EXPECT_EQ(j["plan"]["path"], cache_plan_.string());
  EXPECT_TRUE(j["plan"]["built"]);
  EXPECT_TRUE(j["plan"]["valid"]);
  EXPECT_EQ(j["backends"][0]["device"], "Fake GPU");
  EXPECT_EQ(j["versions"]["cuda_runtime"], "fake-runtime");
  j = open_status();  // the cached plan is valid now: used, not rebuilt
  EXPECT_EQ(j["active_backend"], "cuda-fp16");
  EXPECT_FALSE(j["plan"]["built"]);
  EXPECT_TRUE(j["plan"]["valid"]);
}

TEST_F(EnginePlan, CorruptPlanIsDetectedAndRebuilt) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  write_plan([](plan::PlanHeader&) {});
  std::vector<uint8_t> bytes = test::read_bytes(cache_plan_);
  bytes[70] ^= 0xff;  // inside the header section
  test::write_bytes(cache_plan_, bytes);
  const auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cuda-fp16") << why(j);
  EXPECT_TRUE(j["plan"]["built"]);
  EXPECT_NE(j["plan"]["rebuilt_because"].get<std::string>().find("checksum mismatch"), std::string::npos) << why(j);
}

TEST_F(EnginePlan, PlanForAnotherGpuIsDetectedAndRebuilt) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  write_plan([](plan::PlanHeader& h) { h.gpu_name = "Other GPU"; });
  const auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cuda-fp16") << why(j);
  const std::string because = j["plan"]["rebuilt_because"];
  EXPECT_NE(because.find("built for GPU 'Other GPU', this device is 'Fake GPU'"), std::string::npos)
      << why(j);
  EXPECT_EQ(plan::read_plan_header(cache_plan_).gpu_name, "Fake GPU");
}

TEST_F(EnginePlan, StalePlanWithoutRebuildFallsBackAndSaysWhy) {
  // The "GPU" cannot build or start: every CUDA step fails, each with its reason, and cpu runs.
  write_plan([](plan::PlanHeader& h) { h.model_sha256 = std::string(64, 'a'); });
  const auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cpu");
  EXPECT_FALSE(j["plan"]["valid"]);
  EXPECT_FALSE(j["plan"]["built"]);
  const std::string fp16 = j["backends"][0]["reason"];
  EXPECT_NE(fp16.find("model changed since the plan was built"), std::string::npos) << fp16;
  EXPECT_NE(fp16.find("fake: cannot write"), std::string::npos) << fp16;
  EXPECT_EQ(j["backends"][1]["reason"], "cuda-fp32 backend unavailable: fake: refused precision fp32");
}

TEST_F(EnginePlan, NoBuildOptionKeepsTheStalePlanAndFallsBack) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  write_plan([](plan::PlanHeader& h) { h.model_sha256 = std::string(64, 'a'); });
  EngineOptions o;
  o.build_plan = false;
  const auto j = open_status(o);
  // Without a plan the fake starts in memory, as the real plugin autotunes without one.
  EXPECT_EQ(j["active_backend"], "cuda-fp16") << why(j);
  EXPECT_FALSE(j["plan"]["built"]);
  EXPECT_FALSE(j["plan"]["valid"]);
  EXPECT_EQ(plan::read_plan_header(cache_plan_).model_sha256, std::string(64, 'a'));
}

TEST_F(EnginePlan, FailedSelfCheckSkipsTheBackend) {
  ScopedEnv garbage("ACGS_FAKE_CUDA_MODE", "garbage");
  const auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cpu") << why(j);
  for (int i : {0, 1}) {
    const std::string reason = j["backends"][i]["reason"];
    EXPECT_NE(reason.find("startup self-check failed"), std::string::npos) << reason;
  }
  EngineOptions o;
  o.backend = "cuda-fp32";
  test::expect_error([&] { Engine::open(tiny_model_dir().string(), o); }, ErrorKind::kUnavailable,
                     {"cuda-fp32 backend unavailable: startup self-check failed"});
}

TEST_F(EnginePlan, ExplicitCudaUsesTheWorkingDevice) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  ScopedEnv env("ACGS_BACKEND", "cuda-fp32");
  const auto engine = Engine::open(tiny_model_dir().string());
  EXPECT_EQ(engine->active_backend(), "cuda-fp32");
  const std::vector<std::string> texts = {"a", "b c"};
  EXPECT_EQ(engine->embed(texts).size(), 2u * static_cast<size_t>(engine->config().dim));
}

TEST_F(EnginePlan, ExplicitFp32PlanServesCudaFp32AndIsNeverRebuiltAsFp16) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  const std::filesystem::path mine = home_.path() / "mine-fp32.plan";
  write_plan([](plan::PlanHeader& h) { h.precision = "fp32"; }, mine);
  EngineOptions o;
  o.plan_path = mine.string();
  auto j = open_status(o);
  EXPECT_EQ(j["active_backend"], "cuda-fp16") << why(j);
  EXPECT_EQ(j["plan"]["path"], cache_plan_.string()) << "the fp16 plan is the cached one, not --plan";
  EXPECT_EQ(plan::read_plan_header(mine).precision, "fp32") << "the user's fp32 plan was overwritten";
  o.backend = "cuda-fp32";
  j = open_status(o);
  EXPECT_EQ(j["active_backend"], "cuda-fp32") << why(j);
  EXPECT_EQ(j["backends"][1]["notes"], "plan " + mine.string()) << why(j);
}

TEST_F(EnginePlan, CachedFp32PlanIsUsedWhenValidAndSaysWhyNot) {
  ScopedEnv works("ACGS_FAKE_CUDA_MODE", "works");
  ScopedEnv env("ACGS_BACKEND", "cuda-fp32");
  const std::filesystem::path cached = plan_cache_dir() / plan_file_name(sha_, "Fake GPU", "fp32");
  write_plan([](plan::PlanHeader& h) { h.precision = "fp32"; }, cached);
  auto j = open_status();
  EXPECT_EQ(j["active_backend"], "cuda-fp32") << why(j);
  EXPECT_EQ(j["backends"][1]["notes"], "plan " + cached.string()) << why(j);
  write_plan([](plan::PlanHeader& h) { h.precision = "fp32", h.model_sha256 = std::string(64, 'a'); }, cached);
  j = open_status();
  EXPECT_EQ(j["active_backend"], "cuda-fp32") << why(j);  // tuned in memory instead
  const std::string notes = j["backends"][1]["notes"];
  EXPECT_NE(notes.find("plan not used: engine plan '" + cached.string() + "': model changed since the plan was built"),
            std::string::npos)
      << notes;
}

}  // namespace
}  // namespace acgs
