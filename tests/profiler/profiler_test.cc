#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "profiler/metrics.h"
#include "profiler/model_profiler.h"
#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

TEST(ModelProfiler, SleepingCallUsesLittleCpuAndReportsWallTime) {
  ModelProfiler profiler;
  {
    auto scope = profiler.track("sleepy");
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  const auto m = profiler.metrics("sleepy");
  ASSERT_TRUE(m);
  EXPECT_GE(m->latency_mean_ms, 29.0);
  EXPECT_LT(m->avg_cpu_percent, 20.0);
  EXPECT_LT(m->uncontended_cpu_percent, 20.0);  // sleeping is not waiting for a core
  EXPECT_GT(m->avg_memory_mb, 1.0);  // RSS of a running test binary
}

TEST(ModelProfiler, ConcurrentTrackingLosesNothing) {
  MetricsRegistry registry;
  ModelProfiler profiler({.max_samples_per_model = 100000, .metrics = &registry});
  constexpr int kThreads = 8, kCalls = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = t % 2 ? "odd" : "even";
      for (int i = 0; i < kCalls; ++i) auto scope = profiler.track(name);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(profiler.metrics("odd")->sample_count, 4u * kCalls);
  EXPECT_EQ(profiler.metrics("even")->sample_count, 4u * kCalls);
  const std::string text = registry.render();
  EXPECT_NE(text.find("acgs2_model_inference_total{model_name=\"odd\"} 20000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("acgs2_model_inference_latency_seconds_count{model_name=\"even\"} 20000\n"), std::string::npos);
}

TEST(ModelProfiler, ScopeRecordsEvenWhenTheCallThrows) {
  ModelProfiler profiler;
  EXPECT_THROW(
      {
        auto scope = profiler.track("failing");
        throw std::runtime_error("model failed");
      },
      std::runtime_error);
  EXPECT_EQ(profiler.metrics("failing")->sample_count, 1u);
}

TEST(ModelProfiler, ProfileWrapperPassesArgumentsAndResults) {
  ModelProfiler profiler;
  auto add = profiler.profile("adder", [](int a, int b) { return a + b; });
  EXPECT_EQ(add(2, 3), 5);
  EXPECT_EQ(add(4, 5), 9);
  EXPECT_EQ(profiler.metrics("adder")->sample_count, 2u);
}

TEST(ModelProfiler, GpuTimeFromTheCaller) {
  ModelProfiler profiler;
  {
    auto scope = profiler.track("gpu_model");
    scope.set_gpu_ms(0.25);
  }
  const auto m = profiler.metrics("gpu_model");
  ASSERT_TRUE(m && m->gpu_mean_ms);
  EXPECT_DOUBLE_EQ(*m->gpu_mean_ms, 0.25);
  EXPECT_TRUE(m->to_json()["gpu"].contains("mean_ms"));
}

TEST(ModelProfiler, ResetClearsSamplesButKeepsHandles) {
  ModelProfiler profiler;
  auto& model = profiler.model("a");
  { auto s = profiler.track(model); }
  { auto s = profiler.track("b"); }
  profiler.reset("a");
  EXPECT_FALSE(profiler.metrics("a"));
  EXPECT_TRUE(profiler.metrics("b"));
  profiler.reset();
  EXPECT_TRUE(profiler.all_metrics().empty());
  { auto s = profiler.track(model); }
  EXPECT_EQ(profiler.metrics("a")->sample_count, 1u);
  EXPECT_FALSE(profiler.metrics("never_seen"));
}

TEST(ModelProfiler, ReportHasBlocksAndDecisionMatrix) {
  ModelProfiler profiler;
  for (int i = 0; i < 5; ++i) profiler.record("slow_model", {.wall_ms = 20, .cpu_percent = 95});
  for (int i = 0; i < 5; ++i) profiler.record("fast_model", {.wall_ms = 0.05, .cpu_percent = 95});
  const std::string report = profiler.report();
  EXPECT_NE(report.find("GPU ACCELERATION DECISION MATRIX"), std::string::npos);
  EXPECT_NE(report.find("Model: fast_model"), std::string::npos);
  EXPECT_NE(report.find("NO (too fast for GPU benefit)"), std::string::npos) << report;
  EXPECT_NE(report.find("compute_bound"), std::string::npos);
  EXPECT_EQ(ModelProfiler().report(), "No profiling data collected yet.\n");
}

TEST(ModelProfiler, ZeroCapacityIsRejected) {
  EXPECT_ANY_THROW(ModelProfiler({.max_samples_per_model = 0}));
}

}  // namespace
}  // namespace acgs::profiler
