#include "scorer/redis/failover_state_store.h"

namespace acgs {

FailoverStateStore::FailoverStateStore(std::unique_ptr<RedisAgentStateStore> primary, const StateLimits& limits,
                                       DegradedFn on_degraded)
    : primary_(std::move(primary)),
      limits_(limits),
      on_degraded_(std::move(on_degraded)),
      local_(std::make_shared<MemoryAgentStateStore>(limits)) {}

Observation FailoverStateStore::observe(std::string_view agent_id, double semantic) {
  const AgentSample sample{agent_id, semantic};
  return observe_batch({&sample, 1}).front();
}

std::vector<Observation> FailoverStateStore::observe_batch(std::span<const AgentSample> samples) {
  try {
    std::vector<Observation> out = primary_->observe_batch(samples);
    if (degraded_.exchange(false)) {
      std::lock_guard lock(mu_);
      local_ = std::make_shared<MemoryAgentStateStore>(limits_);
    }
    return out;
  } catch (const RedisError& e) {
    std::shared_ptr<MemoryAgentStateStore> local;
    {
      std::lock_guard lock(mu_);
      last_error_ = e.what();
      local = local_;
    }
    degraded_ = true;
    degraded_observations_ += samples.size();
    if (on_degraded_) on_degraded_(samples.size());
    return local->observe_batch(samples);
  }
}

void FailoverStateStore::probe() {
  try {
    primary_->connect();
  } catch (const RedisError& e) {
    std::lock_guard lock(mu_);
    last_error_ = e.what();
    degraded_ = true;
  }
}

size_t FailoverStateStore::size() const {
  if (!degraded_) {
    try {
      return primary_->size();
    } catch (const RedisError&) {
      // Redis went away since the last observation: report what this replica holds now.
    }
  }
  std::lock_guard lock(mu_);
  return local_->size();
}

nlohmann::json FailoverStateStore::snapshot() const { return primary_->snapshot(); }

void FailoverStateStore::restore(const nlohmann::json& snapshot) { primary_->restore(snapshot); }

nlohmann::json FailoverStateStore::health() const {
  std::lock_guard lock(mu_);
  return {{"backend", "redis"},
          {"url", primary_->options().url.to_string()},
          {"degraded", degraded_.load()},
          {"degraded_observations", degraded_observations_.load()},
          {"last_error", last_error_}};
}

}  // namespace acgs
