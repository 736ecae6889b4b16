// The seed's classification rules, at their edges (each threshold is strict in the seed).
#include <gtest/gtest.h>

#include "profiler/bottleneck.h"
#include "profiler/model_profiler.h"

namespace acgs::profiler {
namespace {

TEST(Bottleneck, LatencyBelowOneMillisecondIsTooFastWhateverTheCpu) {
  for (double cpu : {0.0, 35.0, 99.0, 400.0}) {
    const auto c = classify(0.999, cpu);
    EXPECT_EQ(c.type, BottleneckType::kIoBound) << cpu;
    EXPECT_NE(c.recommendation.find("too fast for GPU benefit"), std::string::npos) << c.recommendation;
    EXPECT_NE(c.recommendation.find("Keep on CPU"), std::string::npos);
  }
}

TEST(Bottleneck, ExactlyOneMillisecondIsJudgedByCpu) {
  EXPECT_EQ(classify(1.0, 50.001).type, BottleneckType::kComputeBound);
  EXPECT_EQ(classify(1.0, 50.0).type, BottleneckType::kUnknown);  // > 50, not >=
  EXPECT_EQ(classify(1.0, 20.0).type, BottleneckType::kUnknown);  // < 20, not <=
  EXPECT_EQ(classify(1.0, 19.999).type, BottleneckType::kIoBound);
  EXPECT_EQ(classify(1.0, 798.6).type, BottleneckType::kComputeBound);
}

TEST(Bottleneck, NamesMatchTheSeedJson) {
  EXPECT_STREQ(to_string(BottleneckType::kComputeBound), "compute_bound");
  EXPECT_STREQ(to_string(BottleneckType::kIoBound), "io_bound");
  EXPECT_STREQ(to_string(BottleneckType::kMemoryBound), "memory_bound");
  EXPECT_STREQ(to_string(BottleneckType::kUnknown), "unknown");
}

TEST(Bottleneck, ComputeBoundRecommendsGpu) {
  const auto c = classify(25.24, 98.0);
  EXPECT_NE(c.recommendation.find("98.0%"), std::string::npos) << c.recommendation;
  EXPECT_NE(c.recommendation.find("GPU acceleration likely beneficial"), std::string::npos);
}

TEST(Bottleneck, GpuSpeedupIsReportedWhenMeasured) {
  ModelProfiler profiler;
  for (int i = 0; i < 10; ++i) profiler.record("impact_scorer", {.wall_ms = 2.0, .cpu_percent = 90, .gpu_ms = 1.5});
  profiler.set_cpu_baseline("impact_scorer", 10.0);
  const auto m = profiler.metrics("impact_scorer");
  ASSERT_TRUE(m && m->gpu_speedup && m->gpu_mean_ms);
  EXPECT_DOUBLE_EQ(*m->gpu_speedup, 5.0);
  EXPECT_DOUBLE_EQ(*m->gpu_mean_ms, 1.5);
  const auto j = m->to_json();
  EXPECT_DOUBLE_EQ(j["gpu"]["speedup_vs_cpu"].get<double>(), 5.0);
  EXPECT_NE(m->gpu_recommendation.find("5.00x"), std::string::npos) << m->gpu_recommendation;
  EXPECT_NE(classify(2.0, 90, 0.5).recommendation.find("keep it on the CPU"), std::string::npos);
}

TEST(Bottleneck, RunQueueWaitDoesNotMakeAComputeBoundModelLookIoBound) {
  // 10 ms calls in which the model's threads computed 1 ms and were queued for a core 9 ms: the seed's
  // CPU% is 10 (I/O-bound by its rule), but the model wanted a core the whole time: demand 100%.
  ModelProfiler profiler;
  for (int i = 0; i < 20; ++i) profiler.record("m", {.wall_ms = 10, .cpu_percent = 10, .cpu_wait_ms = 9});
  const auto m = profiler.metrics("m");
  ASSERT_TRUE(m);
  EXPECT_DOUBLE_EQ(m->avg_cpu_percent, 10.0);
  EXPECT_NEAR(m->uncontended_cpu_percent, 100.0, 1e-9);
  EXPECT_NEAR(m->runqueue_wait_percent, 90.0, 1e-9);
  EXPECT_EQ(m->bottleneck_type, BottleneckType::kComputeBound);
  // A model that sleeps (real I/O) is not queued: it stays I/O-bound.
  for (int i = 0; i < 20; ++i) profiler.record("io", {.wall_ms = 10, .cpu_percent = 10, .cpu_wait_ms = 0});
  EXPECT_EQ(profiler.metrics("io")->bottleneck_type, BottleneckType::kIoBound);
}

TEST(Bottleneck, ToJsonHasTheSeedShape) {
  ModelProfiler profiler;
  profiler.record("x", {.wall_ms = 0.1234, .cpu_percent = 12.34, .rss_before_mb = 10, .rss_after_mb = 11.111});
  const auto j = profiler.metrics("x")->to_json();
  EXPECT_EQ(j["model_name"], "x");
  EXPECT_EQ(j["sample_count"], 1);
  EXPECT_DOUBLE_EQ(j["latency"]["p50_ms"].get<double>(), 0.123);
  for (const char* k : {"p95_ms", "p99_ms", "mean_ms", "std_ms"}) EXPECT_TRUE(j["latency"].contains(k)) << k;
  EXPECT_DOUBLE_EQ(j["cpu"]["avg_percent"].get<double>(), 12.3);
  EXPECT_TRUE(j["cpu"].contains("peak_percent"));
  EXPECT_DOUBLE_EQ(j["memory"]["peak_mb"].get<double>(), 11.11);
  EXPECT_TRUE(j["memory"].contains("avg_mb"));
  EXPECT_EQ(j["analysis"]["bottleneck_type"], "io_bound");
  EXPECT_TRUE(j["analysis"]["gpu_recommendation"].is_string());
  EXPECT_FALSE(j.contains("gpu"));
}

}  // namespace
}  // namespace acgs::profiler
