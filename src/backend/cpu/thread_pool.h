#pragma once
// A fixed set of worker threads created once; the calling thread takes part as worker 0, so a pool of
// size T uses at most T cores and never oversubscribes. parallel_for cuts [0, n) into up to
// kChunksPerWorker · T contiguous chunks that whoever is running claims one at a time: the caller starts
// at once and the other workers join as they arrive. The caller waits only for chunks another worker has
// actually started, never for a worker that is still asleep, preempted or sharing its core with another
// thread (a server's I/O thread): such a worker simply ends up with less of the work, or none. Which
// worker runs a chunk never changes what it computes. Concurrent callers take turns (each parallel_for
// runs alone).
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
  // The open section: bits 32..63 its generation, 16..31 its chunk count, 0..15 the next chunk to claim.
  // Claiming is a compare-exchange on the whole word, so a worker that wakes after its section ended (or
  // after the next one began with other parameters) can never claim a chunk it would run with stale ones.
  std::atomic<uint64_t> section_{0};
  std::atomic<uint32_t> generation_{0};  // what sleeping workers wait on
  std::atomic<int> done_{0};             // chunks of the open section that have finished
  std::atomic<bool> stop_{false};
  const Task* task_ = nullptr;
  int n_ = 0;
  std::vector<std::thread> workers_;
};

// Physical cores of this machine (SMT siblings counted once), at least 1.
int physical_cores();

}  // namespace acgs::cpu
