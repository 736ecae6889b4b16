// The bounded per-agent state store: the update rule, LRU eviction, idle TTL (injected clock),
// snapshot/restore. The bound under many threads is in test_stress.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "scorer/memory_state_store.h"

namespace acgs {
namespace {

using nlohmann::json;
using Clock = MemoryAgentStateStore::Clock;

// A manual clock for TTL tests.
struct FakeClock {
  std::shared_ptr<Clock::time_point> now =
      std::make_shared<Clock::time_point>(Clock::time_point{} + std::chrono::hours(1));
  MemoryAgentStateStore::NowFn fn() const {
    return [t = now] { return *t; };
  }
  void advance(double seconds) {
    *now += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
};

StateLimits limits(size_t max_agents, double ttl = 0, size_t shards = 1) {
  StateLimits l;
  l.max_agents = max_agents;
  l.idle_ttl_seconds = ttl;
  l.shards = shards;
  return l;
}

TEST(ScorerState, DriftRuleAndHistoryTrim) {
  AgentState s;
  Observation o = observe_state(s, 0.5, 3);
  EXPECT_EQ(o.earlier_messages, 0u);
  EXPECT_EQ(o.drift, 0.0);  // first message
  o = observe_state(s, 0.75, 3);
  EXPECT_EQ(o.earlier_messages, 1u);
  EXPECT_DOUBLE_EQ(o.drift, 0.5);  // 2·|0.75 − 0.5|
  o = observe_state(s, 1.0, 3);
  EXPECT_DOUBLE_EQ(o.drift, 0.75);  // mean 0.625 → 2·0.375
  o = observe_state(s, 0.0, 3);
  EXPECT_DOUBLE_EQ(o.drift, 1.0);                               // mean 0.75 → 1.5 → capped
  EXPECT_EQ(s.history, (std::vector<double>{0.75, 1.0, 0.0}));  // oldest dropped at the limit
  EXPECT_EQ(s.messages, 4u);
}

// With history 20: twenty 1.0s then twenty 0.0s leave only 0.0s, so the next 0.0 has no drift.
TEST(ScorerState, DriftForgetsBeyondTwenty) {
  MemoryAgentStateStore store(limits(10));
  for (int i = 0; i < 20; ++i) store.observe("a", 1.0);
  EXPECT_DOUBLE_EQ(store.observe("a", 0.0).drift, 1.0);
  for (int i = 0; i < 19; ++i) store.observe("a", 0.0);
  EXPECT_DOUBLE_EQ(store.observe("a", 0.0).drift, 0.0);
  EXPECT_EQ(store.observe("a", 0.0).earlier_messages, 41u);  // 20 + 1 + 19 + 1 before it
}

TEST(ScorerState, LruEvictsLeastRecentlyUsed) {
  MemoryAgentStateStore store(limits(3));
  store.observe("a", 0.1);
  store.observe("b", 0.1);
  store.observe("c", 0.1);
  store.observe("a", 0.1);  // a is now most recent; b is the LRU
  store.observe("d", 0.1);  // evicts b
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.observe("a", 0.1).earlier_messages, 2u);
  EXPECT_EQ(store.observe("b", 0.1).earlier_messages, 0u);  // b started over (evicts c)
  EXPECT_EQ(store.observe("d", 0.1).earlier_messages, 1u);
  EXPECT_EQ(store.observe("c", 0.1).earlier_messages, 0u);
}

TEST(ScorerState, IdleTtlExpires) {
  FakeClock clock;
  MemoryAgentStateStore store(limits(100, /*ttl=*/60), clock.fn());
  store.observe("a", 0.5);
  store.observe("b", 0.5);
  clock.advance(59.9);
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 1u);  // just under the TTL; refreshes a
  clock.advance(30);
  // b idle 89.9 s ≥ 60: starts over, no drift against its old history.
  const Observation b = store.observe("b", 1.0);
  EXPECT_EQ(b.earlier_messages, 0u);
  EXPECT_EQ(b.drift, 0.0);
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 2u);  // a idle 30 s
  clock.advance(60);
  EXPECT_EQ(store.purge_expired(), 2u);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ScorerState, IdleAgentsAreDroppedOnInsert) {
  FakeClock clock;
  MemoryAgentStateStore store(limits(100, 10), clock.fn());
  for (int i = 0; i < 50; ++i) store.observe("old-" + std::to_string(i), 0.1);
  clock.advance(11);
  store.observe("new", 0.1);
  EXPECT_EQ(store.size(), 1u);
}

TEST(ScorerState, SnapshotRestoreRoundTrip) {
  FakeClock clock;
  MemoryAgentStateStore store(limits(1000, 3600, 4), clock.fn());
  for (int i = 0; i < 30; ++i) store.observe("agent-" + std::to_string(i % 7), 0.1 * (i % 10));
  clock.advance(5);
  store.observe("agent-3", 0.9);
  const json snap = store.snapshot();
  ASSERT_EQ(snap["agents"].size(), 7u);
  EXPECT_EQ(snap["agents"].back()["id"], "agent-3");  // most recently used last
  EXPECT_DOUBLE_EQ(snap["agents"].front()["idle_seconds"].get<double>(), 5.0);

  // Restored from text into a fresh store, the next observations equal those of the original store.
  FakeClock clock2;
  MemoryAgentStateStore restored(limits(1000, 3600, 4), clock2.fn());
  restored.restore(json::parse(snap.dump()));
  EXPECT_EQ(restored.snapshot(), snap);
  for (int i = 0; i < 7; ++i) {
    const std::string id = "agent-" + std::to_string(i);
    const Observation a = store.observe(id, 0.33), b = restored.observe(id, 0.33);
    EXPECT_EQ(a.earlier_messages, b.earlier_messages) << id;
    EXPECT_EQ(a.drift, b.drift) << id;
  }
}

TEST(ScorerState, RestoreHonoursLimitsAndRejectsBadInput) {
  MemoryAgentStateStore store(limits(2, 100));
  store.restore(json::parse(R"({"version": 1, "agents": [
      {"id": "x", "messages": 5, "history": [0.1, 0.2, 0.3], "idle_seconds": 50},
      {"id": "gone", "messages": 1, "history": [0.1], "idle_seconds": 500},
      {"id": "y", "messages": 2, "history": [0.5], "idle_seconds": 1},
      {"id": "z", "messages": 9, "history": [0.5], "idle_seconds": 80}]})"));
  // "gone" is past the TTL; of the other three only the two most recent (y, x) fit.
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.observe("x", 0.2).earlier_messages, 5u);
  EXPECT_EQ(store.observe("y", 0.5).earlier_messages, 2u);

  for (const char* bad :
       {R"({"agents": []})", R"({"version": 1, "agents": [{"id": 1}]})",
        R"({"version": 1, "agents": [{"id": "a", "messages": -1, "history": [], "idle_seconds": 0}]})",
        R"({"version": 1, "agents": [{"id": "a", "messages": 1, "history": [7], "idle_seconds": 0}]})",
        R"({"version": 1, "agents": [{"id": "a", "messages": 1, "history": [], "idle_seconds": -2}]})"}) {
    MemoryAgentStateStore fresh(limits(10));
    EXPECT_THROW(fresh.restore(json::parse(bad)), Error) << bad;
    EXPECT_EQ(fresh.size(), 0u) << bad;
  }
}

TEST(ScorerState, DocumentedBytesPerAgent) {
  // ~330 B with the default 20-score history and an id that fits std::string's inline buffer.
  EXPECT_LE(MemoryAgentStateStore::bytes_per_agent(20, 15), 340u);
  EXPECT_GE(MemoryAgentStateStore::bytes_per_agent(20, 15), 300u);
  MemoryAgentStateStore store(limits(1000));
  for (int i = 0; i < 1000; ++i) store.observe("agent-" + std::to_string(i), 0.5);
  const size_t per_agent = MemoryAgentStateStore::bytes_per_agent(20, 15);
  EXPECT_LE(store.approx_bytes(), 1000 * per_agent + 2048 * sizeof(void*));  // + bucket-count rounding
}

}  // namespace
}  // namespace acgs
