#pragma once
// The seed benchmark's workload: its eight sample agent-bus messages (three high-impact, two medium,
// three low) and a deterministic random pick among them with an agent id agent_1..agent_100.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/splitmix64.h"

namespace acgs::profiler {

const std::vector<nlohmann::json>& sample_messages();

struct BenchMessage {
  const nlohmann::json* message;  // one of sample_messages()
  std::string agent_id;           // "agent_1" .. "agent_100"
};

// Deterministic: a seed names the same message sequence on every machine.
class MessageGenerator {
 public:
  explicit MessageGenerator(uint64_t seed) : rng_(seed) {}
  BenchMessage next();

 private:
  SplitMix64 rng_;
};

}  // namespace acgs::profiler
