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
  const auto run = [this, worker](int64_t chunk) {
    const int begin = static_cast<int>(n_ * chunk / chunks_);
    const int end = static_cast<int>(n_ * (chunk + 1) / chunks_);
    if (begin < end) (*task_)(begin, end, worker);
  };
  if (worker < chunks_) run(worker);
  for (int chunk; (chunk = next_chunk_.fetch_add(1, std::memory_order_relaxed)) < chunks_;) run(chunk);
}

void ThreadPool::parallel_for(int n, const Task& task) {
  if (n <= 0) return;
  std::lock_guard lock(call_mutex_);
  task_ = &task;
  n_ = n;
  if (workers_.empty()) {
    task(0, n, 0);
    return;
  }
  chunks_ = std::min(n, kChunksPerWorker * size());
  // Published to the workers by the generation bump below (release), like task_ and n_.
  next_chunk_.store(std::min(chunks_, size()), std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  run_chunks(0);
  spin_then_wait(pending_, [](int v) { return v == 0; });
}

void ThreadPool::worker_loop(int worker) {
  // Generation 0 is the constructor's: a worker that starts late must still see the first job.
  uint32_t seen = 0;
  for (;;) {
    spin_then_wait(generation_, [seen](uint32_t v) { return v != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    run_chunks(worker);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
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
