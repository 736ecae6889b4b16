#pragma once
// Process-wide resource readings for the profiler. Each is cheap enough for a per-call hot path
// (a vDSO/syscall clock read, one pread of /proc/self/statm on a descriptor opened once).
#include <cstdint>

namespace acgs::profiler {

// Monotonic wall clock, seconds.
double wall_seconds();
// CPU time of the whole process (all threads, user + system), seconds: CLOCK_PROCESS_CPUTIME_ID.
// Divided by wall time it gives the seed's CPU%, above 100% when several threads run at once.
double process_cpu_seconds();
// Time the calling thread has spent runnable but waiting for a core (run-queue delay, the second field
// of /proc/thread-self/schedstat), seconds; 0 when the kernel does not provide it. On a busy machine this
// is what stretches a compute-bound call's wall time without adding CPU time. One pread on a descriptor
// kept per thread. (Summing every thread of the process via /proc/self/task costs far too much per call.)
double thread_runqueue_wait_seconds();
// Resident set size from /proc/self/statm (resident pages x page size); 0 when /proc is unavailable.
uint64_t rss_bytes();

}  // namespace acgs::profiler
