#include "scorer/redis/redis_state_store.h"

#include <hiredis/hiredis.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace acgs {
namespace {

using Clock = RetryBackoff::Clock;
using Command = RedisConnection::Command;

// How long an observation waits for a pooled connection before giving up (every holder is itself bounded
// by the connect and command timeouts, so this only trips when Redis is far slower than they allow).
constexpr auto kPoolWait = std::chrono::seconds(2);

// KEYS = {counter, history}, ARGV = {semantic, drift_history, idle TTL in ms or 0}; returns {messages
// before this one, history before this one (oldest first)}. LRANGE from -limit keeps a shorter
// drift_history (a config change) from feeding more entries to drift than the limit.
constexpr const char* kObserveScript = R"lua(
local earlier = redis.call('INCR', KEYS[1]) - 1
local limit = tonumber(ARGV[2])
local history = redis.call('LRANGE', KEYS[2], -limit, -1)
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -limit, -1)
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return {earlier, history}
)lua";

// Shortest decimal text that parses back to the same double.
std::string format_double(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

Observation parse_observation(const redisReply& r, double semantic, size_t history_limit, std::string_view agent,
                              const std::string& where) {
  if (const std::string err = redis_error_text(r); !err.empty())
    throw RedisError("Redis at " + where + " refused the observe script for agent '" + std::string(agent) + "': " + err);
  const bool shape_ok = r.type == REDIS_REPLY_ARRAY && r.elements == 2 && r.element[0]->type == REDIS_REPLY_INTEGER &&
                        r.element[0]->integer >= 0 && r.element[1]->type == REDIS_REPLY_ARRAY;
  if (!shape_ok) throw RedisError("Redis at " + where + " gave an unexpected reply to the observe script");
  AgentState state;
  state.messages = static_cast<uint64_t>(r.element[0]->integer);
  const redisReply& history = *r.element[1];
  for (size_t i = 0; i < history.elements; ++i) {
    const redisReply& item = *history.element[i];
    double v = 0;
    const char* end = item.type == REDIS_REPLY_STRING ? item.str + item.len : nullptr;
    if (end == nullptr || std::from_chars(item.str, end, v).ptr != end)
      throw RedisError("Redis at " + where + " holds a history entry for agent '" + std::string(agent) +
                       "' that is not a number; delete the agent's keys");
    state.history.push_back(v);
  }
  return observe_state(state, semantic, history_limit);
}

}  // namespace

// A pooled connection, handed back (or dropped, if broken) when the lease ends.
class RedisAgentStateStore::Lease {
 public:
  explicit Lease(const RedisAgentStateStore& store) : store_(store), connection_(store.acquire()) {}
  ~Lease() { store_.release(std::move(connection_)); }
  RedisConnection& operator*() const { return *connection_; }

 private:
  const RedisAgentStateStore& store_;
  std::unique_ptr<RedisConnection> connection_;
};

RedisAgentStateStore::RedisAgentStateStore(RedisStoreOptions options, const StateLimits& limits)
    : options_(std::move(options)), limits_(limits), backoff_(options_.retry_initial, options_.retry_max) {
  if (options_.connections == 0 || limits_.drift_history == 0 || !(limits_.idle_ttl_seconds >= 0.0))
    fail(ErrorKind::kInvalidArgument, "Redis state store: connections and drift_history must be at least 1 "
                                      "and idle_ttl_seconds non-negative");
  // PEXPIRE takes whole milliseconds; a positive TTL never rounds down to "no expiry".
  const double ms = std::min(limits_.idle_ttl_seconds * 1000.0, 1e15);
  ttl_ms_ = std::to_string(ms > 0 ? std::max<long long>(1, std::llround(ms)) : 0);
}

RedisAgentStateStore::~RedisAgentStateStore() = default;

std::unique_ptr<RedisConnection> RedisAgentStateStore::open_connection() const {
  auto c = std::make_unique<RedisConnection>(options_.url, options_.timeouts);
  std::lock_guard lock(mu_);
  backoff_.succeeded();
  return c;
}

void RedisAgentStateStore::connect() {
  {
    std::lock_guard lock(mu_);
    ++open_;
  }
  std::unique_ptr<RedisConnection> c;
  try {
    c = open_connection();
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_;
    backoff_.failed(Clock::now());
    throw;
  }
  release(std::move(c));
}

std::unique_ptr<RedisConnection> RedisAgentStateStore::acquire() const {
  std::unique_lock lock(mu_);
  const auto deadline = Clock::now() + kPoolWait;
  while (idle_.empty() && open_ >= options_.connections) {
    if (idle_cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.connections)
      throw RedisError("all " + std::to_string(options_.connections) + " connections to Redis at " +
                       options_.url.to_string() + " stayed busy for 2 s");
  }
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (!c->closed_by_peer()) return c;
    --open_;  // Redis closed it while idle (a restart): open a fresh one rather than fail this request
  }
  const auto now = Clock::now();
  if (!backoff_.may_try(now)) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_.next_try() - now);
    throw RedisError("Redis at " + options_.url.to_string() + " is unreachable; next reconnect attempt in " +
                     std::to_string(wait.count()) + " ms");
  }
  ++open_;
  lock.unlock();
  try {
    return open_connection();
  } catch (const Error& e) {
    lock.lock();
    --open_;
    backoff_.failed(Clock::now());
    idle_cv_.notify_one();
    if (dynamic_cast<const RedisError*>(&e)) throw;
    throw RedisError(e.what());  // e.g. a refused database: still a reason to score without Redis
  }
}

void RedisAgentStateStore::release(std::unique_ptr<RedisConnection> connection) const {
  std::lock_guard lock(mu_);
  if (connection && !connection->broken()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  idle_cv_.notify_one();
}

std::vector<RedisReply> RedisAgentStateStore::round_trip(RedisConnection& c, std::span<const Command> commands) const {
  ++round_trips_;
  try {
    return c.pipeline(commands);
  } catch (const RedisError&) {
    // The other idle connections were opened to the same Redis and are most likely dead too: drop them so
    // the next observations fail fast (backoff) instead of each finding out on its own socket.
    std::lock_guard lock(mu_);
    backoff_.failed(Clock::now());
    open_ -= idle_.size();
    idle_.clear();
    throw;
  }
}

std::string RedisAgentStateStore::script_sha(RedisConnection& c) const {
  {
    std::lock_guard lock(mu_);
    if (!sha_.empty()) return sha_;
  }
  const Command load{"SCRIPT", "LOAD", kObserveScript};
  const RedisReply reply = std::move(round_trip(c, {&load, 1}).front());
  if (reply->type != REDIS_REPLY_STRING)
    throw RedisError("Redis at " + options_.url.to_string() + " refused SCRIPT LOAD: " + redis_error_text(*reply));
  std::lock_guard lock(mu_);
  sha_.assign(reply->str, reply->len);
  return sha_;
}

Observation RedisAgentStateStore::observe(std::string_view agent_id, double semantic) {
  const AgentSample sample{agent_id, semantic};
  return observe_batch({&sample, 1}).front();
}

std::vector<Observation> RedisAgentStateStore::observe_batch(std::span<const AgentSample> samples) {
  if (samples.empty()) return {};
  Lease lease(*this);
  const std::string sha = script_sha(*lease);
  const std::string history_limit = std::to_string(limits_.drift_history);
  std::vector<Command> commands;
  commands.reserve(samples.size());
  for (const AgentSample& s : samples) {
    const std::string key = options_.key_prefix + "{" + std::string(s.agent_id) + "}:";
    commands.push_back({"EVALSHA", sha, "2", key + "n", key + "h", format_double(s.semantic), history_limit, ttl_ms_});
  }
  std::vector<RedisReply> replies = round_trip(*lease, commands);

  // A restarted or flushed Redis has forgotten the script: load it and resend what it refused, in order,
  // in one more round trip (SCRIPT LOAD first in the same pipeline).
  std::vector<size_t> refused;
  for (size_t i = 0; i < replies.size(); ++i)
    if (redis_error_text(*replies[i]).starts_with("NOSCRIPT")) refused.push_back(i);
  if (!refused.empty()) {
    std::vector<Command> retry{{"SCRIPT", "LOAD", kObserveScript}};
    for (const size_t i : refused) retry.push_back(commands[i]);
    std::vector<RedisReply> again = round_trip(*lease, retry);
    for (size_t k = 0; k < refused.size(); ++k) replies[refused[k]] = std::move(again[k + 1]);
  }

  std::vector<Observation> out;
  out.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i)
    out.push_back(parse_observation(*replies[i], samples[i].semantic, limits_.drift_history, samples[i].agent_id,
                                    options_.url.to_string()));
  return out;
}

size_t RedisAgentStateStore::size() const {
  Lease lease(*this);
  size_t n = 0;
  std::string cursor = "0";
  do {
    const Command scan{"SCAN", cursor, "MATCH", options_.key_prefix + "*:n", "COUNT", "1000"};
    const RedisReply reply = std::move(round_trip(*lease, {&scan, 1}).front());
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || reply->element[0]->type != REDIS_REPLY_STRING)
      throw RedisError("Redis at " + options_.url.to_string() + " gave an unexpected reply to SCAN");
    cursor.assign(reply->element[0]->str, reply->element[0]->len);
    n += reply->element[1]->elements;
  } while (cursor != "0");
  return n;
}

nlohmann::json RedisAgentStateStore::snapshot() const {
  fail(ErrorKind::kInvalidArgument, "the Redis state store keeps agent state in Redis; persist it with Redis "
                                    "(RDB/AOF) instead of a state snapshot file");
}

void RedisAgentStateStore::restore(const nlohmann::json&) {
  fail(ErrorKind::kInvalidArgument, "the Redis state store keeps agent state in Redis; a state snapshot file "
                                    "cannot be restored into it");
}

}  // namespace acgs
