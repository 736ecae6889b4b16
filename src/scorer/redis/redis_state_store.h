#pragma once
// Per-agent scorer state in Redis, shared by every replica that points at the same Redis and database.
//
// Each agent is two keys with the same hash tag (one Redis Cluster slot): PREFIX{id}:n, the message
// counter, and PREFIX{id}:h, a list of the last `drift_history` semantic scores (shortest round-trip
// decimal text, so doubles come back bit-identical). One Lua script (EVALSHA; loaded with SCRIPT LOAD
// once per Redis, reloaded on NOSCRIPT) counts the message, appends the score, trims the list and renews
// both keys' expiry to the idle TTL, and returns the state *before* the message; the client then applies
// observe_state(), so volume and drift follow exactly the arithmetic of the in-memory store. The script
// runs atomically, so concurrent replicas observing one agent are applied one after the other.
//
// Cost: a batch of messages is one pipelined round trip (two when the script had to be reloaded).
// Bounds: keys expire after idle_ttl_seconds; max_agents does not apply (size Redis with maxmemory and a
// volatile-* eviction policy instead). Transport failures and error replies throw RedisError; see
// FailoverStateStore for scoring through an outage.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scorer/agent_state.h"
#include "scorer/redis/redis_connection.h"
#include "scorer/redis/retry_backoff.h"
#include "scorer/scoring_config.h"

namespace acgs {

struct RedisStoreOptions {
  RedisUrl url;
  RedisTimeouts timeouts;
  std::string key_prefix = "acgs:agent:";
  size_t connections = 4;  // pool size: observations running in parallel
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{2000};
};

class RedisAgentStateStore final : public AgentStateStore {
 public:
  // Connects lazily; call connect() to find out at once whether Redis is there.
  RedisAgentStateStore(RedisStoreOptions options, const StateLimits& limits);
  ~RedisAgentStateStore() override;

  Observation observe(std::string_view agent_id, double semantic) override;
  std::vector<Observation> observe_batch(std::span<const AgentSample> samples) override;
  size_t size() const override;  // counter keys under the prefix (a SCAN)
  // Redis persists the state itself (RDB/AOF); these throw Error(kInvalidArgument) saying so.
  nlohmann::json snapshot() const override;
  void restore(const nlohmann::json& snapshot) override;

  // One connection attempt now, ignoring the backoff; throws RedisError when Redis cannot be reached.
  void connect();
  uint64_t round_trips() const { return round_trips_.load(); }
  const RedisStoreOptions& options() const { return options_; }

 private:
  class Lease;
  std::unique_ptr<RedisConnection> acquire() const;
  void release(std::unique_ptr<RedisConnection> connection) const;
  std::unique_ptr<RedisConnection> open_connection() const;
  std::vector<RedisReply> round_trip(RedisConnection& c, std::span<const RedisConnection::Command> commands) const;
  std::string script_sha(RedisConnection& c) const;  // SCRIPT LOAD on first use

  RedisStoreOptions options_;
  StateLimits limits_;
  std::string ttl_ms_;  // ARGV[3]
  mutable std::mutex mu_;
  mutable std::condition_variable idle_cv_;
  mutable std::vector<std::unique_ptr<RedisConnection>> idle_;
  mutable size_t open_ = 0;  // idle + leased connections
  mutable RetryBackoff backoff_;
  mutable std::string sha_;  // the loaded script's SHA1, "" until loaded
  mutable std::atomic<uint64_t> round_trips_{0};
};

}  // namespace acgs
