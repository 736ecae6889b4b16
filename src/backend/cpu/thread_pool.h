#pragma once
// A fixed set of worker threads created once; the calling thread takes part as worker 0, so a pool of
// size T uses exactly T cores and never oversubscribes. parallel_for cuts [0, n) into up to
// kChunksPerWorker · T contiguous chunks: worker w first runs chunk w, then every worker takes the next
// chunk left until none is, so a worker whose core runs slower (a VM's cores do not keep the same pace)
// ends up with less of the work instead of holding the others at the end of the section. Which worker runs
// a chunk never changes what it computes. Concurrent callers take turns (each parallel_for runs alone).
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

  static constexpr int kChunksPerWorker = 4;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(int n, const Task& task);

 private:
  void run_chunks(int worker);
  void worker_loop(int worker);

  std::mutex call_mutex_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> next_chunk_{0};
  const Task* task_ = nullptr;
  int n_ = 0;
  int chunks_ = 0;
  std::vector<std::thread> workers_;
};

// Physical cores of this machine (SMT siblings counted once), at least 1.
int physical_cores();

}  // namespace acgs::cpu
