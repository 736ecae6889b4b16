#pragma once
// The embedded per-agent state store: a hash of LRU lists split into shards, each behind its own mutex
// (an observation locks one shard for a hash lookup and a few list-pointer moves; there is no global
// lock). Bounded in two ways:
//   - at most `max_agents` agents (split over the shards; a full shard evicts its least recently used);
//   - an agent idle for `idle_ttl` starts over as new, and idle agents are dropped from the LRU end
//     whenever their shard inserts (purge_expired() drops them all).
//
// Memory bound (64-bit glibc; see bytes_per_agent()): per agent, one list node holding the id string,
// counters and timestamps (~96 B with allocator overhead), the history buffer (8 B × drift_history
// + 16 B; 176 B at the default 20), one hash node (~48 B) and one bucket pointer (8 B, buckets are
// reserved for the shard's capacity up front) — about 330 B, plus id length + 17 B for ids longer than
// 15 bytes (std::string's inline buffer). The default 100,000 agents with ids ≤ 15 bytes stay under 33 MB.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "scorer/agent_state.h"
#include "scorer/scoring_config.h"

namespace acgs {

class MemoryAgentStateStore final : public AgentStateStore {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFn = std::function<Clock::time_point()>;

  // `now` is injectable for tests; the default is Clock::now.
  explicit MemoryAgentStateStore(const StateLimits& limits, NowFn now = {});
  ~MemoryAgentStateStore() override;

  Observation observe(std::string_view agent_id, double semantic) override;
  size_t size() const override;
  nlohmann::json snapshot() const override;
  void restore(const nlohmann::json& snapshot) override;

  size_t purge_expired();       // returns how many agents were dropped
  size_t approx_bytes() const;  // heap held by the agents, by the accounting above
  size_t capacity() const;      // == limits.max_agents

  // The documented bound for one agent whose id is `id_length` bytes long.
  static size_t bytes_per_agent(size_t drift_history, size_t id_length);

 private:
  struct Shard;
  Shard& shard_for(std::string_view agent_id) const;

  StateLimits limits_;
  NowFn now_;
  Clock::duration ttl_;  // zero = never expires
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace acgs
