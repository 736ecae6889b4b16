// The memory bound under load: 8 threads, a million distinct agent ids, a store bounded far below that.
// Heap use is read from malloc's own accounting with a single arena, so every thread's allocations count.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "scorer/impact_scorer.h"
#include "scorer/memory_state_store.h"

namespace acgs {
namespace {

constexpr int kThreads = 8;

size_t heap_in_use() { return mallinfo2().uordblks; }

StateLimits bounded(size_t max_agents) {
  StateLimits l;
  l.max_agents = max_agents;
  l.shards = 16;
  return l;
}

// Runs body(thread, i) for i in [0, n) split round-robin over kThreads threads.
template <typename Body>
void run_threads(int n, Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < n; i += kThreads) body(t, i);
    });
  }
  for (auto& th : threads) th.join();
}

class ScorerStress : public ::testing::Test {
 protected:
  // One arena: malloc statistics then cover the worker threads too. Must precede their first malloc.
  static void SetUpTestSuite() { mallopt(M_ARENA_MAX, 1); }
};

TEST_F(ScorerStress, MillionDistinctAgentsStayUnderTheBound) {
  constexpr size_t kMaxAgents = 20000;
  constexpr int kAgents = 1000000;
  const size_t bound = kMaxAgents * MemoryAgentStateStore::bytes_per_agent(20, 15) + 64 * 1024;
  // Unused under ASan: its allocator bypasses malloc's statistics, so only the store's own estimate is checked.
  [[maybe_unused]] const size_t heap_before = heap_in_use();
  MemoryAgentStateStore store(bounded(kMaxAgents));
  std::atomic<size_t> largest{0};
  run_threads(kAgents, [&](int t, int i) {
    store.observe("agent-" + std::to_string(i), (i % 11) / 10.0);
    if (i % 4096 == t) {
      const size_t n = store.size();
      for (size_t seen = largest.load(); n > seen && !largest.compare_exchange_weak(seen, n);) {
      }
    }
  });
  EXPECT_LE(largest.load(), kMaxAgents);
  EXPECT_EQ(store.size(), kMaxAgents);  // every shard filled up and evicted
  EXPECT_LE(store.approx_bytes(), bound);
#if !defined(__SANITIZE_ADDRESS__)
  const size_t used = heap_in_use() - heap_before;
  EXPECT_LE(used, bound) << "heap " << used << " B for " << kMaxAgents << " agents";
  std::printf("store: %zu agents, heap %zu B (%.0f B/agent), documented bound %zu B\n", store.size(), used,
              static_cast<double>(used) / kMaxAgents, bound);
#endif
}

// The acceptance scenario through the scorer: 8 threads score 100,000 messages whose agent ids are spread
// over 1,000,000 ids; the scorer's store stays at or under its configured 10,000 agents.
TEST_F(ScorerStress, ScorerEightThreadsHundredThousandMessages) {
  constexpr size_t kMaxAgents = 10000;
  constexpr int kMessages = 100000;
  constexpr uint64_t kIdSpace = 1000000;
  ScoringConfig config;
  config.state = bounded(kMaxAgents);
  auto store = std::make_shared<MemoryAgentStateStore>(config.state);
  [[maybe_unused]] const size_t heap_before = heap_in_use();  // see above
  ImpactScorer scorer(config, nullptr, store);
  std::atomic<int> deliberations{0};
  run_threads(kMessages, [&](int, int i) {
    ScoringMessage m;
    m.content = i % 5 == 0 ? "critical security breach alert with exploit" : "routine status report";
    m.from_agent = "agent-" + std::to_string((static_cast<uint64_t>(i) * 7919) % kIdSpace);
    m.tools = {"read_file"};
    if (scorer.score(m).requires_deliberation) ++deliberations;
  });
  EXPECT_EQ(deliberations.load(), kMessages / 5);  // 5 hits → semantic 1.0 → boosted to 0.8
  EXPECT_LE(store->size(), kMaxAgents);
  const size_t bound = kMaxAgents * MemoryAgentStateStore::bytes_per_agent(20, 15) + 64 * 1024;
  EXPECT_LE(store->approx_bytes(), bound);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LE(heap_in_use() - heap_before, bound);
#endif
}

}  // namespace
}  // namespace acgs
