#pragma once
// A fixed set of worker threads created once; the calling thread takes part as worker 0, so a pool of
// size T uses exactly T cores and never oversubscribes. parallel_for splits [0, n) into T contiguous
// chunks; concurrent callers take turns (each parallel_for runs alone on the pool).
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace acgs::cpu {

class ThreadPool {
 public:
  using Task = std::function<void(int begin, int end, int worker)>;

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(int n, const Task& task);

 private:
  void run_chunk(int worker);
  void worker_loop(int worker);

  std::mutex call_mutex_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const Task* task_ = nullptr;
  int n_ = 0;
  std::vector<std::thread> workers_;
};

// Physical cores of this machine (SMT siblings counted once), at least 1.
int physical_cores();

}  // namespace acgs::cpu
