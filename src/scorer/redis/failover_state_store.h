#pragma once
// Scoring through a Redis outage: observations go to the shared Redis store; when it fails (down,
// timed out, refusing), the same observations go to a local in-memory store instead, the store reports
// itself degraded and `on_degraded` counts them. The Redis store's backoff decides when to try again;
// the first observation that succeeds ends the degraded state and starts the next outage with an empty
// local store (local state only ever describes what this replica saw while Redis was away).
//
// Degraded scoring under-counts volume and drift (each replica sees only its share of an agent and none
// of its earlier history), and a batch cut off mid-pipeline may count some messages both in Redis and
// locally; requests still succeed, which is what ACGS-2 needs from a scoring service.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "scorer/memory_state_store.h"
#include "scorer/redis/redis_state_store.h"

namespace acgs {

class FailoverStateStore final : public AgentStateStore {
 public:
  using DegradedFn = std::function<void(size_t messages)>;

  FailoverStateStore(std::unique_ptr<RedisAgentStateStore> primary, const StateLimits& limits,
                     DegradedFn on_degraded = {});

  Observation observe(std::string_view agent_id, double semantic) override;
  std::vector<Observation> observe_batch(std::span<const AgentSample> samples) override;
  size_t size() const override;  // Redis's count; the local count while degraded
  nlohmann::json snapshot() const override;
  void restore(const nlohmann::json& snapshot) override;

  // Tries to connect now (at startup, so /health tells the truth before the first request). Unreachable:
  // degraded until an observation gets through. Other errors (a database Redis refuses) propagate.
  void probe();

  bool degraded() const { return degraded_.load(); }
  uint64_t degraded_observations() const { return degraded_observations_.load(); }
  // {"backend": "redis", "url", "degraded", "degraded_observations", "last_error"}: for /health.
  nlohmann::json health() const;

 private:
  std::unique_ptr<RedisAgentStateStore> primary_;
  StateLimits limits_;
  DegradedFn on_degraded_;
  mutable std::mutex mu_;  // guards local_ and last_error_
  std::shared_ptr<MemoryAgentStateStore> local_;
  std::string last_error_;
  std::atomic<bool> degraded_{false};
  std::atomic<uint64_t> degraded_observations_{0};
};

}  // namespace acgs
