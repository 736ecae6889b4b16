// The pool's work split: every index of [0, n) runs exactly once whatever n and the pool size, a worker
// that stalls inside a chunk leaves the rest of the work to the others, and a worker that cannot run at
// all (asleep, preempted, its core taken by another thread) holds nobody up: the caller does its share.
#include "backend/cpu/thread_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <semaphore.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
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

TEST(ThreadPool, AStalledWorkerLeavesTheRestToTheOthers) {
  ThreadPool pool(2);
  const int n = 2 * ThreadPool::kChunksPerWorker;
  std::vector<int> ran_by(n, -1);
  pool.parallel_for(n, [&](int begin, int end, int worker) {
    // The caller's chunks take long enough for worker 1 to join; worker 1 then stalls in its first chunk
    // while the caller finishes everything else.
    std::this_thread::sleep_for(std::chrono::milliseconds(worker == 1 ? 200 : 5));
    for (int i = begin; i < end; ++i) ran_by[i] = worker;
  });
  int by_one = 0;
  for (int w : ran_by) by_one += w == 1;
  EXPECT_EQ(by_one, 1) << "a static split would have given worker 1 half of the " << n << " indices";
}

// A worker held in a signal handler stands for one the kernel does not run (its core taken by the server's
// I/O thread, or a vCPU the host descheduled).
sem_t held_entered, held_release;
void hold_thread(int) {
  sem_post(&held_entered);
  while (sem_wait(&held_release) != 0) {
  }
}

TEST(ThreadPool, TheCallerNeverWaitsForAWorkerThatCannotRun) {
  ASSERT_EQ(sem_init(&held_entered, 0, 0), 0);
  ASSERT_EQ(sem_init(&held_release, 0, 0), 0);
  struct sigaction action {};
  action.sa_handler = hold_thread;
  ASSERT_EQ(sigaction(SIGUSR1, &action, nullptr), 0);

  ThreadPool pool(2);
  std::atomic<bool> have_worker{false};
  pthread_t worker_thread{};
  while (!have_worker.load()) {
    pool.parallel_for(8, [&](int, int, int worker) {
      if (worker == 1 && !have_worker.load()) {
        worker_thread = pthread_self();
        have_worker.store(true);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  }
  ASSERT_EQ(pthread_kill(worker_thread, SIGUSR1), 0);
  while (sem_wait(&held_entered) != 0) {
  }

  std::vector<int> ran_by(64, -1);
  auto section = std::async(std::launch::async, [&] {
    for (int rep = 0; rep < 100; ++rep) {
      pool.parallel_for(64, [&](int begin, int end, int worker) {
        for (int i = begin; i < end; ++i) ran_by[i] = worker;
      });
    }
  });
  const bool finished = section.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  sem_post(&held_release);
  section.wait();
  EXPECT_TRUE(finished) << "100 sections waited more than 5 s for a worker that could not run";
  for (int w : ran_by) EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace acgs::cpu
