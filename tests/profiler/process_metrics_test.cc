#include "profiler/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "profiler/prometheus_checker.h"
#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

using acgs::testing::parse_prometheus_text;
using acgs::testing::PromParse;

// A /proc/<pid>/stat line whose command name holds a space and a ')', as a renamed thread's may;
// starttime (field 22) is 250 ticks.
constexpr const char* kPidStat =
    "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 250 1000000 200 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
constexpr const char* kSystemStat = "cpu  1 2 3 4\nbtime 1700000000\nprocesses 99\n";

TEST(ProcessStartTime, BootTimePlusStartTicks) {
  EXPECT_DOUBLE_EQ(process_start_time(kPidStat, kSystemStat, 100).value(), 1700000002.5);
  EXPECT_DOUBLE_EQ(process_start_time(kPidStat, kSystemStat, 1000).value(), 1700000000.25);
}

TEST(ProcessStartTime, MalformedInputIsNullopt) {
  EXPECT_FALSE(process_start_time("4242 no parentheses 1 2 3", kSystemStat, 100));
  EXPECT_FALSE(process_start_time("4242 (short) S 1 2 3\n", kSystemStat, 100));
  EXPECT_FALSE(process_start_time(kPidStat, "cpu 1 2 3\n", 100));
  EXPECT_FALSE(process_start_time(kPidStat, "btime x\n", 100));
  EXPECT_FALSE(process_start_time(kPidStat, kSystemStat, 0));
}

TEST(OpenFdCount, FollowsOpenAndClose) {
  const int before = open_fd_count();
  EXPECT_GE(before, 3);  // stdin, stdout, stderr under ctest
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open_fd_count(), before + 1);
  ::close(fd);
  EXPECT_EQ(open_fd_count(), before);
}

double sample(const PromParse& parsed, const std::string& name) {
  const auto s = parsed.find(name);
  EXPECT_TRUE(s) << name << " missing";
  return s ? s->value : -1;
}

TEST(ProcessMetrics, PresentAtFirstRenderAndRefreshedOnEach) {
  MetricsRegistry registry;
  register_process_metrics(registry);
  const PromParse first = parse_prometheus_text(registry.render());
  ASSERT_EQ(first.error, "");
  EXPECT_EQ(first.types.at("process_resident_memory_bytes"), "gauge");
  EXPECT_EQ(first.types.at("process_cpu_seconds_total"), "counter");
  EXPECT_EQ(first.types.at("process_open_fds"), "gauge");
  EXPECT_EQ(first.types.at("process_start_time_seconds"), "gauge");

  const double rss = sample(first, "process_resident_memory_bytes");
  EXPECT_GT(rss, 1 << 20);
  EXPECT_NEAR(rss, static_cast<double>(rss_bytes()), 64.0 * (1 << 20));
  EXPECT_EQ(sample(first, "process_open_fds"), open_fd_count());
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = sample(first, "process_start_time_seconds");
  EXPECT_LE(start, now + 1);        // tick rounding
  EXPECT_GT(start, now - 24 * 3600);  // this test process started today

  const double cpu_before = sample(first, "process_cpu_seconds_total");
  EXPECT_GT(cpu_before, 0.0);
  EXPECT_LE(cpu_before, process_cpu_seconds());
  // Burn 50 ms of CPU; the counter must advance by at least that much and no more than the clock did.
  const double burn_from = process_cpu_seconds();
  volatile double sink = 0;
  while (process_cpu_seconds() - burn_from < 0.05) sink = sink + 1.0;
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const PromParse second = parse_prometheus_text(registry.render());
  ASSERT_EQ(second.error, "");
  const double cpu_after = sample(second, "process_cpu_seconds_total");
  EXPECT_GE(cpu_after - cpu_before, 0.05);
  EXPECT_LE(cpu_after, process_cpu_seconds());
  EXPECT_EQ(sample(second, "process_open_fds"), sample(first, "process_open_fds") + 1);
  EXPECT_EQ(sample(second, "process_start_time_seconds"), start);
  ::close(fd);
}

}  // namespace
}  // namespace acgs::profiler
