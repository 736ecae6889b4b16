#pragma once
// Every tunable of the impact scorer, with the ACGS-2 v3.1 defaults. Loadable from a JSON file whose keys
// mirror the struct (all optional; unknown keys are an error so a typo never silently keeps a default):
//
//   {"weights": {"semantic": 0.3, "permission": 0.2, "volume": 0.1, "context": 0.1, "drift": 0.1,
//                "priority": 0.1, "type": 0.1},
//    "boosts": {"critical_priority": {"trigger": 0.9, "floor": 0.9},
//               "high_semantic": {"trigger": 0.8, "floor": 0.8}},
//    "deliberation_threshold": 0.8,
//    "keywords": ["critical", "emergency", ...],
//    "embedding": {"strict_threshold": 0.95, "threshold": 0.85, "strict_below_keyword_score": 0.3,
//                  "scale": 0.3, "max_length": 128},
//    "state": {"max_agents": 100000, "idle_ttl_seconds": 3600, "drift_history": 20, "shards": 16}}
#include <cstddef>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace acgs {

struct FactorWeights {
  double semantic = 0.3;
  double permission = 0.2;
  double volume = 0.1;
  double context = 0.1;
  double drift = 0.1;
  double priority = 0.1;
  double type = 0.1;
};

// When the factor reaches `trigger`, the score is raised to at least `floor`.
struct Boost {
  double trigger;
  double floor;
};

// The embedding similarity counts as is when it reaches `strict_threshold` (keyword score below
// `strict_below_keyword_score`) or `threshold` (otherwise); below that it is multiplied by `scale`.
struct EmbeddingRule {
  double strict_threshold = 0.95;
  double threshold = 0.85;
  double strict_below_keyword_score = 0.3;
  double scale = 0.3;
  int max_length = 128;  // tokens per text, [CLS]/[SEP] included
};

struct StateLimits {
  size_t max_agents = 100000;      // LRU bound over all shards
  double idle_ttl_seconds = 3600;  // an agent idle this long starts over; 0 = never expires
  size_t drift_history = 20;       // semantic scores kept per agent for drift
  size_t shards = 16;              // independent locks; more = less contention
};

std::vector<std::string> default_keywords();  // the 28 high-impact keywords of ACGS-2

struct ScoringConfig {
  FactorWeights weights;
  Boost critical_priority{0.9, 0.9};
  Boost high_semantic{0.8, 0.8};
  double deliberation_threshold = 0.8;
  std::vector<std::string> keywords = default_keywords();
  EmbeddingRule embedding;
  StateLimits state;

  // Throws Error(kInvalidArgument) naming the field: negative or non-finite weights, values outside
  // [0, 1] for boosts/thresholds/scale, empty or non-lowercase keywords, zero limits.
  void validate() const;
};

// `where` names the source in error messages (a file path, "config").
ScoringConfig scoring_config_from_json(const nlohmann::json& json, const std::string& where = "config");
ScoringConfig load_scoring_config(const std::filesystem::path& path);
nlohmann::json scoring_config_to_json(const ScoringConfig& config);

}  // namespace acgs
