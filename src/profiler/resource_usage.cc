#include "profiler/resource_usage.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

namespace acgs::profiler {
namespace {

double read_clock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// procfs regenerates statm on every read at offset 0, so one descriptor serves every thread via pread.
int statm_fd() {
  static const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  return fd;
}

// One descriptor per thread (schedstat is per task), closed when the thread exits.
struct ThreadSchedstat {
  int fd = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  ~ThreadSchedstat() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

double wall_seconds() { return read_clock(CLOCK_MONOTONIC); }

double process_cpu_seconds() { return read_clock(CLOCK_PROCESS_CPUTIME_ID); }

double thread_runqueue_wait_seconds() {
  thread_local ThreadSchedstat stat;
  if (stat.fd < 0) return 0.0;
  char buf[96];
  const ssize_t n = ::pread(stat.fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return 0.0;
  buf[n] = '\0';
  unsigned long long run_ns = 0, wait_ns = 0;
  if (std::sscanf(buf, "%llu %llu", &run_ns, &wait_ns) != 2) return 0.0;
  return static_cast<double>(wait_ns) * 1e-9;
}

uint64_t rss_bytes() {
  const int fd = statm_fd();
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size_pages = 0, resident_pages = 0;
  if (std::sscanf(buf, "%llu %llu", &size_pages, &resident_pages) != 2) return 0;
  static const long page = ::sysconf(_SC_PAGESIZE);
  return resident_pages * static_cast<uint64_t>(page > 0 ? page : 4096);
}

}  // namespace acgs::profiler
