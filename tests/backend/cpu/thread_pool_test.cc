// The pool's work split: every index of [0, n) runs exactly once whatever n and the pool size, each worker
// first gets its own chunk (so n = size() gives every worker one index), and a worker that stalls leaves
// the rest of the work to the others instead of keeping its static share.
#include "backend/cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace acgs::cpu {
namespace {

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int n : {1, 2, 3, 4, 7, 19, 20, 21, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> bad_worker{0};
      pool.parallel_for(n, [&](int begin, int end, int worker) {
        if (worker < 0 || worker >= pool.size() || begin >= end) bad_worker.fetch_add(1);
        for (int i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      EXPECT_EQ(bad_worker.load(), 0) << threads << " threads, n = " << n;
      for (int i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, n = " << n << ", index " << i;
    }
  }
}

TEST(ThreadPool, EachWorkerStartsWithItsOwnChunk) {
  ThreadPool pool(4);
  for (int rep = 0; rep < 20; ++rep) {
    std::mutex mutex;
    std::set<int> workers;
    pool.parallel_for(pool.size(), [&](int begin, int end, int worker) {
      EXPECT_EQ(end - begin, 1);
      EXPECT_EQ(begin, worker);
      std::lock_guard lock(mutex);
      workers.insert(worker);
    });
    EXPECT_EQ(workers.size(), size_t(pool.size()));
  }
}

TEST(ThreadPool, AStalledWorkerLeavesTheRestToTheOthers) {
  ThreadPool pool(2);
  const int n = 2 * ThreadPool::kChunksPerWorker;
  std::vector<int> ran_by(n, -1);
  pool.parallel_for(n, [&](int begin, int end, int worker) {
    // Worker 1 stalls in its first chunk long enough for worker 0 to finish everything else.
    if (worker == 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (int i = begin; i < end; ++i) ran_by[i] = worker;
  });
  int by_one = 0;
  for (int w : ran_by) by_one += w == 1;
  EXPECT_EQ(by_one, 1) << "a static split would have given worker 1 half of the " << n << " indices";
}

}  // namespace
}  // namespace acgs::cpu
