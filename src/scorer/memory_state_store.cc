#include "scorer/memory_state_store.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "common/error.h"

namespace acgs {
namespace {

using nlohmann::json;

// Longest idle time a snapshot may carry; keeps `now - idle` far from time_point overflow.
constexpr double kMaxIdleSeconds = 1e9;

struct Entry {
  std::string id;
  AgentState state;
  MemoryAgentStateStore::Clock::time_point last_seen;
};

using EntryList = std::list<Entry>;
using Index = std::unordered_map<std::string_view, EntryList::iterator>;

// glibc malloc: a chunk is the request plus an 8-byte header, rounded up to 16, at least 32 bytes.
size_t malloc_chunk(size_t request) { return std::max<size_t>(32, (request + 8 + 15) / 16 * 16); }

constexpr size_t kListNodeBytes = sizeof(Entry) + 2 * sizeof(void*);
// libstdc++ hash node: next pointer, the key/value pair, the cached hash code.
constexpr size_t kHashNodeBytes = sizeof(void*) + sizeof(Index::value_type) + sizeof(size_t);
constexpr size_t kInlineIdBytes = 15;  // std::string's small-string buffer

struct ParsedAgent {
  std::string id;
  AgentState state;
  double idle_seconds;
};

[[noreturn]] void bad_entry(size_t i, const std::string& what) {
  fail(ErrorKind::kInvalidArgument, "state snapshot: agents[" + std::to_string(i) + "]" + what);
}

ParsedAgent parse_agent(const json& agent, size_t i) {
  if (!agent.is_object()) bad_entry(i, " must be an object {id, messages, history, idle_seconds}");
  ParsedAgent out;
  const auto id = agent.find("id");
  if (id == agent.end() || !id->is_string()) bad_entry(i, ".id must be a string");
  out.id = id->get<std::string>();
  const auto messages = agent.find("messages");
  if (messages == agent.end() || !messages->is_number_unsigned()) {
    bad_entry(i, ".messages must be a non-negative integer");
  }
  out.state.messages = messages->get<uint64_t>();
  const auto history = agent.find("history");
  if (history == agent.end() || !history->is_array()) bad_entry(i, ".history must be an array of numbers");
  for (const auto& v : *history) {
    if (!v.is_number() || !(v.get<double>() >= 0.0 && v.get<double>() <= 1.0)) {
      bad_entry(i, ".history must hold semantic scores in [0, 1], got " + v.dump());
    }
    out.state.history.push_back(v.get<double>());
  }
  const auto idle = agent.find("idle_seconds");
  if (idle == agent.end() || !idle->is_number() || !(idle->get<double>() >= 0.0)) {
    bad_entry(i, ".idle_seconds must be a non-negative number");
  }
  out.idle_seconds = std::min(idle->get<double>(), kMaxIdleSeconds);
  return out;
}

}  // namespace

struct MemoryAgentStateStore::Shard {
  mutable std::mutex mutex;
  EntryList lru;  // most recently used first
  Index index;
  size_t capacity = 0;
};

MemoryAgentStateStore::MemoryAgentStateStore(const StateLimits& limits, NowFn now)
    : limits_(limits), now_(now ? std::move(now) : NowFn(&Clock::now)) {
  if (limits.max_agents == 0 || limits.drift_history == 0 || limits.shards == 0 || !(limits.idle_ttl_seconds >= 0.0)) {
    fail(ErrorKind::kInvalidArgument,
         "agent state limits: max_agents, drift_history and shards must be at least 1 "
         "and idle_ttl_seconds non-negative");
  }
  ttl_ = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::min(limits.idle_ttl_seconds, kMaxIdleSeconds)));
  const size_t shards = std::min(limits.shards, limits.max_agents);
  for (size_t i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>();
    // The per-shard capacities add up to exactly max_agents.
    shard->capacity = limits.max_agents / shards + (i < limits.max_agents % shards ? 1 : 0);
    shard->index.reserve(shard->capacity);
    shards_.push_back(std::move(shard));
  }
}

MemoryAgentStateStore::~MemoryAgentStateStore() = default;

MemoryAgentStateStore::Shard& MemoryAgentStateStore::shard_for(std::string_view agent_id) const {
  // The shard index comes from the high bits so it stays independent of the bucket index inside a shard.
  const size_t h = std::hash<std::string_view>{}(agent_id);
  return *shards_[(h >> 32 ^ h) % shards_.size()];
}

namespace {

bool expired(const Entry& e, MemoryAgentStateStore::Clock::time_point now, MemoryAgentStateStore::Clock::duration ttl) {
  return ttl.count() > 0 && now - e.last_seen >= ttl;
}

AgentState fresh_state(size_t history_limit) {
  AgentState s;
  s.history.reserve(history_limit);
  return s;
}

}  // namespace

Observation MemoryAgentStateStore::observe(std::string_view agent_id, double semantic) {
  Shard& shard = shard_for(agent_id);
  std::lock_guard lock(shard.mutex);
  const auto now = now_();
  Entry* entry = nullptr;
  if (const auto found = shard.index.find(agent_id); found != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    entry = &shard.lru.front();
    if (expired(*entry, now, ttl_)) entry->state = fresh_state(limits_.drift_history);
  } else {
    // Idle agents sit at the LRU end: drop them first, then make room if the shard is still full.
    while (!shard.lru.empty() && (expired(shard.lru.back(), now, ttl_) || shard.lru.size() >= shard.capacity)) {
      shard.index.erase(shard.lru.back().id);
      shard.lru.pop_back();
    }
    shard.lru.push_front(Entry{std::string(agent_id), fresh_state(limits_.drift_history), now});
    entry = &shard.lru.front();
    shard.index.emplace(entry->id, shard.lru.begin());
  }
  entry->last_seen = now;
  return observe_state(entry->state, semantic, limits_.drift_history);
}

size_t MemoryAgentStateStore::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->lru.size();
  }
  return n;
}

size_t MemoryAgentStateStore::capacity() const { return limits_.max_agents; }

size_t MemoryAgentStateStore::purge_expired() {
  size_t dropped = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    const auto now = now_();
    for (auto it = shard->lru.begin(); it != shard->lru.end();) {
      if (expired(*it, now, ttl_)) {
        shard->index.erase(it->id);
        it = shard->lru.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
  }
  return dropped;
}

size_t MemoryAgentStateStore::bytes_per_agent(size_t drift_history, size_t id_length) {
  return malloc_chunk(kListNodeBytes) + malloc_chunk(drift_history * sizeof(double)) + malloc_chunk(kHashNodeBytes) +
         sizeof(void*) + (id_length > kInlineIdBytes ? malloc_chunk(id_length + 1) : 0);
}

size_t MemoryAgentStateStore::approx_bytes() const {
  size_t bytes = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    bytes += shard->index.bucket_count() * sizeof(void*);
    for (const auto& e : shard->lru) {
      bytes += malloc_chunk(kListNodeBytes) + malloc_chunk(e.state.history.capacity() * sizeof(double)) +
               malloc_chunk(kHashNodeBytes);
      if (e.id.capacity() > kInlineIdBytes) bytes += malloc_chunk(e.id.capacity() + 1);
    }
  }
  return bytes;
}

json MemoryAgentStateStore::snapshot() const {
  std::vector<json> rows;
  std::vector<std::pair<Clock::time_point, std::string>> seen;
  // Each shard is copied under its own lock: every agent is consistent, the shards are not one instant.
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    const auto now = now_();
    for (const auto& e : shard->lru) {
      if (expired(e, now, ttl_)) continue;
      rows.push_back(json{{"id", e.id},
                          {"messages", e.state.messages},
                          {"history", e.state.history},
                          {"idle_seconds", std::chrono::duration<double>(now - e.last_seen).count()}});
      seen.emplace_back(e.last_seen, e.id);
    }
  }
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Least recently used first; agents last seen at the same instant in id order, so equal states give
  // equal snapshots.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seen[a] < seen[b]; });
  json agents = json::array();
  for (size_t i : order) agents.push_back(std::move(rows[i]));
  return json{{"version", 1}, {"agents", std::move(agents)}};
}

void MemoryAgentStateStore::restore(const json& snapshot) {
  if (!snapshot.is_object() || snapshot.value("version", json()) != json(1) || !snapshot.contains("agents") ||
      !snapshot["agents"].is_array()) {
    fail(ErrorKind::kInvalidArgument,
         "state snapshot must be {\"version\": 1, \"agents\": [...]} as written by snapshot()");
  }
  const json& agents = snapshot["agents"];
  std::vector<ParsedAgent> parsed;
  parsed.reserve(agents.size());
  for (size_t i = 0; i < agents.size(); ++i) parsed.push_back(parse_agent(agents[i], i));
  // Oldest first, so each insert at the LRU front keeps the lists ordered by last use.
  std::stable_sort(parsed.begin(), parsed.end(),
                   [](const ParsedAgent& a, const ParsedAgent& b) { return a.idle_seconds > b.idle_seconds; });
  for (auto& agent : parsed) {
    auto& history = agent.state.history;
    if (history.size() > limits_.drift_history) {
      history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(limits_.drift_history));
    }
    AgentState state = fresh_state(limits_.drift_history);
    state.messages = agent.state.messages;
    state.history.assign(history.begin(), history.end());

    Shard& shard = shard_for(agent.id);
    std::lock_guard lock(shard.mutex);
    const auto now = now_();
    const auto last_seen =
        now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(agent.idle_seconds));
    Entry entry{std::move(agent.id), std::move(state), last_seen};
    if (expired(entry, now, ttl_)) continue;
    if (const auto found = shard.index.find(entry.id); found != shard.index.end()) {
      const auto node = found->second;
      shard.index.erase(found);
      shard.lru.erase(node);
    }
    while (shard.lru.size() >= shard.capacity) {
      shard.index.erase(shard.lru.back().id);
      shard.lru.pop_back();
    }
    shard.lru.push_front(std::move(entry));
    shard.index.emplace(shard.lru.front().id, shard.lru.begin());
  }
}

}  // namespace acgs
