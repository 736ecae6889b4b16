// The two measurements that need the machine to themselves (ctest RUN_SERIAL, excluded from the
// sanitizer run): CPU% of a 2-thread busy loop, and memory after a million tracked calls.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "profiler/model_profiler.h"
#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

double load_average_1min() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

void spin_for(double seconds) {
  const double end = wall_seconds() + seconds;
  volatile double sink = 0;
  while (wall_seconds() < end) sink = sink + 1.0;
}

// One tracked call in which two threads busy-loop for `seconds`: ideally 200% CPU.
double two_thread_busy_cpu_percent(double seconds) {
  ModelProfiler profiler;
  {
    auto scope = profiler.track("busy");
    std::thread other([&] { spin_for(seconds); });
    spin_for(seconds);
    other.join();
  }
  return profiler.metrics("busy")->avg_cpu_percent;
}

TEST(ModelProfiler, CpuPercentOfTwoBusyThreadsIsAbout200) {
  // CI machines are shared: another process can take a core for a while, which only lowers the reading.
  // So take the best of a few attempts; the upper bound holds on every attempt.
  double best = 0;
  for (int attempt = 0; attempt < 8 && !(best >= 150); ++attempt) {
    const double cpu = two_thread_busy_cpu_percent(0.3);
    EXPECT_LE(cpu, 210.0);
    best = std::max(best, cpu);
  }
  // Other processes can keep both cores busy for minutes (a parallel build); then two threads cannot get
  // 150% and the reading is right to say so. Skip, saying why, instead of failing on the environment.
  const double load = load_average_1min();
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (best < 150.0 && load > static_cast<double>(cores) + 0.5) {
    GTEST_SKIP() << "machine overloaded (load " << load << " on " << cores << " cores): best reading " << best
                 << "% CPU for two busy threads";
  }
  EXPECT_GE(best, 150.0);
  EXPECT_LE(best, 210.0);
  std::printf("two busy threads: %.1f%% CPU (load %.2f)\n", best, load);
}

TEST(ModelProfiler, MemoryStaysBoundedAfterAMillionTrackedCalls) {
  ModelProfiler profiler({.max_samples_per_model = 1000});
  auto& model = profiler.model("hot");
  for (int i = 0; i < 10000; ++i) auto scope = profiler.track(model);
  const size_t bytes_before = profiler.sample_bytes();
  const uint64_t rss_before = rss_bytes();
  for (int i = 0; i < 1'000'000; ++i) auto scope = profiler.track(model);
  const auto m = profiler.metrics("hot");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->sample_count, 1000u);
  EXPECT_EQ(m->total_calls, 1'010'000u);
  EXPECT_EQ(profiler.sample_bytes(), bytes_before);
  EXPECT_EQ(bytes_before, 1000 * sizeof(InferenceSample));
  // Unbounded storage would need >= 40 MB for 1M samples; allow allocator noise only.
  EXPECT_LT(static_cast<double>(rss_bytes()) - static_cast<double>(rss_before), 4.0 * 1024 * 1024);
}

}  // namespace
}  // namespace acgs::profiler
