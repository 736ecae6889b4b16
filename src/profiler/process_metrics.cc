#include "profiler/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<double> process_start_time(std::string_view pid_stat, std::string_view system_stat,
                                         long ticks_per_second) {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')': fields resume
  // after the last ')', with field 3 (state) first, so starttime (field 22) is the 20th from there.
  const size_t close = pid_stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream fields{std::string(pid_stat.substr(close + 1))};
  std::string field;
  for (int i = 0; i < 20; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  char* end = nullptr;
  const unsigned long long start_ticks = std::strtoull(field.c_str(), &end, 10);
  if (*end != '\0') return std::nullopt;

  std::istringstream lines{std::string(system_stat)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("btime ", 0) != 0) continue;
    const unsigned long long boot = std::strtoull(line.c_str() + 6, &end, 10);
    if (end == line.c_str() + 6) return std::nullopt;
    return static_cast<double>(boot) + static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
  }
  return std::nullopt;
}

int open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  const std::string own = std::to_string(::dirfd(dir));
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != ".." && name != own) ++count;
  }
  ::closedir(dir);
  return count;
}

void register_process_metrics(MetricsRegistry& registry) {
  Gauge& rss = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").with({});
  Counter& cpu =
      registry.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").with({});
  Gauge& fds = registry.gauge("process_open_fds", "Number of open file descriptors.").with({});
  Gauge& start =
      registry.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
          .with({});
  start.set(process_start_time(read_file("/proc/self/stat"), read_file("/proc/stat"), ::sysconf(_SC_CLK_TCK))
                .value_or(0.0));
  // The counter only goes up, so it advances by what the process clock moved since the last scrape;
  // collectors run under the registry's lock, so `last` needs no lock of its own.
  registry.add_collector([&rss, &cpu, &fds, last = 0.0]() mutable {
    rss.set(static_cast<double>(rss_bytes()));
    const double now = process_cpu_seconds();
    if (now > last) cpu.inc(now - last);
    last = now;
    fds.set(open_fd_count());
  });
}

}  // namespace acgs::profiler
