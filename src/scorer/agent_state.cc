#include "scorer/agent_state.h"

#include <algorithm>
#include <cmath>

namespace acgs {

Observation observe_state(AgentState& state, double semantic, size_t history_limit) {
  Observation out;
  out.earlier_messages = state.messages;
  if (state.messages < UINT64_MAX) ++state.messages;
  auto& history = state.history;
  if (!history.empty()) {
    double sum = 0.0;
    for (double s : history) sum += s;
    const double mean = sum / static_cast<double>(history.size());
    out.drift = std::min(1.0, std::abs(semantic - mean) * 2.0);
  }
  if (history.size() >= history_limit) {
    history.erase(history.begin(), history.begin() + static_cast<std::ptrdiff_t>(history.size() - history_limit + 1));
  }
  history.push_back(semantic);
  return out;
}

std::vector<Observation> AgentStateStore::observe_batch(std::span<const AgentSample> samples) {
  std::vector<Observation> out;
  out.reserve(samples.size());
  for (const auto& s : samples) out.push_back(observe(s.agent_id, s.semantic));
  return out;
}

}  // namespace acgs
