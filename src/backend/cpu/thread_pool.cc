#include "backend/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace acgs::cpu {
namespace {

// A parallel section of a forward pass lasts tens of microseconds to milliseconds, and the two workers of a
// section finish it up to a few hundred microseconds apart (the host's cores do not run at the same pace).
// A thread waiting that long on the futex pays a wake-up that costs more than the wait in a VM, so waiters
// spin for up to kSpinTime (checking the clock every kSpinCheck loads), then sleep: an idle backend gives
// its cores back after a millisecond. Forward passes at 2 threads (A/B, best p50 over 4 interleaved rounds):
// 20000 loads 1.03-1.09x slower than 200000, and 200000 level with this 1 ms.
constexpr auto kSpinTime = std::chrono::microseconds(1000);
constexpr int kSpinCheck = 256;

template <typename T, typename Pred>
void spin_then_wait(const std::atomic<T>& value, Pred done) {
  const auto until = std::chrono::steady_clock::now() + kSpinTime;
  do {
    for (int i = 0; i < kSpinCheck; ++i) {
      if (done(value.load(std::memory_order_acquire))) return;
    }
  } while (std::chrono::steady_clock::now() < until);
  for (T v = value.load(std::memory_order_acquire); !done(v); v = value.load(std::memory_order_acquire)) {
    value.wait(v, std::memory_order_acquire);
  }
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int w = 1; w < std::max(1, threads); ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(int worker) {
  uint64_t section = section_.load(std::memory_order_acquire);
  for (;;) {
    const int64_t next = section & 0xffff, chunks = (section >> 16) & 0xffff;
    if (next >= chunks) return;
    if (!section_.compare_exchange_weak(section, section + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      continue;
    }
    // The section cannot end before this chunk is counted done, so task_ and n_ are still its own.
    const int begin = static_cast<int>(n_ * next / chunks), end = static_cast<int>(n_ * (next + 1) / chunks);
    if (begin < end) (*task_)(begin, end, worker);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) done_.notify_one();
    section = section_.load(std::memory_order_acquire);
  }
}

void ThreadPool::parallel_for(int n, const Task& task) {
  if (n <= 0) return;
  std::lock_guard lock(call_mutex_);
  if (workers_.empty()) {
    task(0, n, 0);
    return;
  }
  const int chunks = std::min({n, kChunksPerWorker * size(), 0xffff});
  task_ = &task;
  n_ = n;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  // The release publishes task_, n_ and done_ to whoever claims a chunk of this section.
  section_.store(uint64_t(generation) << 32 | uint64_t(chunks) << 16, std::memory_order_release);
  generation_.store(generation, std::memory_order_release);
  generation_.notify_all();
  run_chunks(0);
  spin_then_wait(done_, [chunks](int v) { return v == chunks; });
}

void ThreadPool::worker_loop(int worker) {
  // Generation 0 is the constructor's: a worker that starts late must still see the first job.
  uint32_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, [seen](uint32_t v) { return v != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    run_chunks(worker);
  }
}

int physical_cores() {
  std::set<std::pair<std::string, std::string>> cores;
  const unsigned logical = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream package(base + "physical_package_id"), core(base + "core_id");
    std::string p, c;
    if (!(package >> p) || !(core >> c)) return static_cast<int>(logical);
    cores.emplace(p, c);
  }
  return std::max<int>(1, static_cast<int>(cores.size()));
}

}  // namespace acgs::cpu
