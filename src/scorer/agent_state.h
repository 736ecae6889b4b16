#pragma once
// Per-agent scorer state and the store interface behind it. The in-memory store (memory_state_store.h) is
// the default; a shared store (Redis, for several replicas) implements the same interface. The update
// rule lives here as a pure function so every store applies exactly the same arithmetic.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace acgs {

struct AgentState {
  uint64_t messages = 0;        // messages scored for this agent so far
  std::vector<double> history;  // last `drift_history` semantic scores, oldest first
};

// What one message learns from its agent's state.
struct Observation {
  uint64_t earlier_messages = 0;  // for the volume factor
  double drift = 0;               // the drift factor
};

// Counts the message and records `semantic`: drift = 0 for the agent's first message, else
// min(1, 2·|semantic − mean(history)|) with the mean summed oldest-first (as the original did); then
// `semantic` is appended and the history trimmed to `history_limit` entries.
Observation observe_state(AgentState& state, double semantic, size_t history_limit);

struct AgentSample {
  std::string_view agent_id;
  double semantic;
};

class AgentStateStore {
 public:
  virtual ~AgentStateStore() = default;

  // Atomic per agent: concurrent observations of one agent are applied one after the other.
  virtual Observation observe(std::string_view agent_id, double semantic) = 0;
  // In order, as if observe() were called for each sample (a network store sends them in one round trip).
  virtual std::vector<Observation> observe_batch(std::span<const AgentSample> samples);

  virtual size_t size() const = 0;  // agents currently held

  // {"version": 1, "agents": [{"id", "messages", "history", "idle_seconds"}, …]} least recently used first.
  virtual nlohmann::json snapshot() const = 0;
  // Adds the snapshot's agents (replacing ones with the same id), honouring this store's limits. Throws
  // Error(kInvalidArgument) naming the offending entry; on error nothing is restored.
  virtual void restore(const nlohmann::json& snapshot) = 0;
};

}  // namespace acgs
