#pragma once
// The standard process metrics of the Prometheus client libraries (Go and Python name them alike, so
// stock dashboards and alerts work unchanged), read from /proc at scrape time:
//
//   process_resident_memory_bytes   gauge    resident set size
//   process_cpu_seconds_total       counter  user + system CPU time of all threads
//   process_open_fds                gauge    open file descriptors
//   process_start_time_seconds      gauge    start time, seconds since the Unix epoch
//
// Linux only; each reads 0 where /proc cannot be read.
#include <optional>
#include <string_view>

#include "profiler/metrics.h"

namespace acgs::profiler {

// Registers the four families in `registry` and a collector that refreshes them on every render(), so
// they are present before the first request. Call once per registry.
void register_process_metrics(MetricsRegistry& registry);

// Start time in seconds since the epoch of the process described by `pid_stat` (the text of
// /proc/<pid>/stat: its 22nd field counts clock ticks since boot) on a system whose /proc/stat is
// `system_stat` (its `btime` line: boot time since the epoch). nullopt when either is malformed.
std::optional<double> process_start_time(std::string_view pid_stat, std::string_view system_stat,
                                         long ticks_per_second);

// Descriptors open in this process, not counting the one used to list /proc/self/fd; 0 on failure.
int open_fd_count();

}  // namespace acgs::profiler
