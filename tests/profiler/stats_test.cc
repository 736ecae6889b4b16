// Percentiles against a known sample set: 1..1000 in shuffled order. With linear interpolation between
// closest ranks (NumPy's default) the position of q is 999 * q / 100, so
// p50 = 500.5, p95 = 950.05, p99 = 990.01 (hand-computed: 1 + 999 * q / 100).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "common/splitmix64.h"
#include "profiler/model_profiler.h"
#include "profiler/stats.h"

namespace acgs::profiler {
namespace {

std::vector<double> shuffled_1_to_n(int n) {
  std::vector<double> v;
  for (int i = 1; i <= n; ++i) v.push_back(i);
  SplitMix64 rng(3);
  for (size_t i = v.size() - 1; i > 0; --i) std::swap(v[i], v[rng.below(i + 1)]);
  return v;
}

TEST(Stats, PercentilesOfKnownSet) {
  std::vector<double> v = shuffled_1_to_n(1000);
  std::sort(v.begin(), v.end());
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 50), 500.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 95), 950.05);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 99), 990.01);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 100), 1000);
}

TEST(Stats, SmallSetsAndEmpty) {
  const std::vector<double> one = {7.0};
  EXPECT_DOUBLE_EQ(percentile_sorted(one, 99), 7.0);
  EXPECT_DOUBLE_EQ(sample_stddev(one), 0.0);
  EXPECT_DOUBLE_EQ(percentile_sorted({}, 50), 0.0);
  // {2,4,4,4,5,5,7,9}: mean 5, sum of squared deviations 32, sample variance 32/7.
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(mean(v), 5.0);
  EXPECT_NEAR(sample_stddev(v), std::sqrt(32.0 / 7.0), 1e-12);
}

TEST(Stats, ProfilerAggregatesRecordedSamples) {
  ModelProfiler profiler;
  for (double ms : shuffled_1_to_n(1000)) profiler.record("m", {.wall_ms = ms, .cpu_percent = ms / 10});
  const auto m = profiler.metrics("m");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->sample_count, 1000u);
  EXPECT_DOUBLE_EQ(m->latency_p50_ms, 500.5);
  EXPECT_DOUBLE_EQ(m->latency_p95_ms, 950.05);
  EXPECT_DOUBLE_EQ(m->latency_p99_ms, 990.01);
  EXPECT_DOUBLE_EQ(m->latency_mean_ms, 500.5);
  // Sample std of 1..n is sqrt(n(n+1)/12).
  EXPECT_NEAR(m->latency_std_ms, std::sqrt(1000.0 * 1001.0 / 12.0), 1e-9);
  EXPECT_DOUBLE_EQ(m->peak_cpu_percent, 100.0);
  EXPECT_DOUBLE_EQ(m->avg_cpu_percent, 50.05);
}

TEST(Stats, RingKeepsOnlyTheLastNSamples) {
  ModelProfiler profiler({.max_samples_per_model = 1000});
  for (int i = 1; i <= 1500; ++i) profiler.record("m", {.wall_ms = static_cast<double>(i)});
  const auto m = profiler.metrics("m");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->sample_count, 1000u);
  EXPECT_EQ(m->total_calls, 1500u);
  // The window is 501..1500: p50 = 501 + 999 * 0.5.
  EXPECT_DOUBLE_EQ(m->latency_p50_ms, 1000.5);
  EXPECT_DOUBLE_EQ(m->latency_mean_ms, 1000.5);
}

}  // namespace
}  // namespace acgs::profiler
