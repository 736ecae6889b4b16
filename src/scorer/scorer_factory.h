#pragma once
// Builds an ImpactScorer from command-line style options: the config file, the model directory and the
// backend name ("heuristic" for keyword scoring only, "auto" for the best backend that runs here).
// Shared by `acgs-infer score` and the scorer benchmark.
#include <functional>
#include <memory>
#include <string>

#include "scorer/impact_scorer.h"

namespace acgs {

struct ScorerOptions {
  std::string model;             // model directory; "" or "default" = the embedded default model
  std::string backend = "auto";  // "heuristic", "auto" (the engine's fallback chain), or one backend's name
  std::string config;            // scoring config JSON file; "" = defaults
  int threads = 0;               // backend threads; 0 = physical cores
  // Builds the per-agent state store from the config's limits; null = the in-memory store.
  std::function<std::shared_ptr<AgentStateStore>(const StateLimits&)> state;
};

// An explicitly named model or backend that cannot be used is an error (never a silent downgrade);
// with "auto" and no --model, an unusable default model falls back to heuristics, and `note` says why.
std::unique_ptr<ImpactScorer> make_impact_scorer(const ScorerOptions& options, std::string* note = nullptr);

}  // namespace acgs
