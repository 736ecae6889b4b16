#pragma once
// Timing for the single-threaded CPU benchmarks: thread CPU time, not wall time, because the machine is
// shared and time spent descheduled says nothing about a kernel.
#include <algorithm>
#include <ctime>
#include <functional>

namespace acgs::bench {

inline double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Best of `reps` timings of fn in milliseconds, after one warm-up call.
inline double best_ms(const std::function<void()>& fn, int reps) {
  fn();
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const double t0 = thread_cpu_ms();
    fn();
    best = std::min(best, thread_cpu_ms() - t0);
  }
  return best;
}

}  // namespace acgs::bench
