#pragma once
// The seven ACGS-2 impact factors as pure functions (no state, no I/O), each in [0, 1], and the weighted
// combination with boosts. Per-agent factors (volume, drift) get their inputs from agent_state.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scorer/message.h"
#include "scorer/scoring_config.h"

namespace acgs {

struct ImpactFactors {
  double semantic = 0;
  double permission = 0;
  double volume = 0;
  double context = 0;
  double drift = 0;
  double priority = 0;
  double type = 0;
};

// Lowercased (python_lower) and stripped (python_strip) message text: what keywords and the model see.
std::string normalized_text(const ScoringMessage& message);

// normalized text: "" → 0; else by the number of distinct keywords occurring as substrings:
// ≥5 → 1.0, ≥3 → 0.8, ≥1 → 0.5, none → 0.1.
double keyword_score(std::string_view normalized, std::span<const std::string> keywords);
// Cosine similarity kept when it clears the rule's threshold, else scaled down (see EmbeddingRule).
double embedding_score(double similarity, double keyword_score, const EmbeddingRule& rule);
// max over tools (lowercased names, substring match): execute/delete/write/submit/transfer 0.9,
// send/update/modify 0.5, read/get/list/view 0.2, other 0.1; no tools 0.1.
double permission_factor(std::span<const std::string> tools);
// Messages this agent sent before this one: ≥150 → 1.0, ≥50 → 0.5, ≥20 → 0.2, else 0.1.
double volume_factor(uint64_t earlier_messages);
// 0.2, +0.4 when payload.amount > 1000.
double context_factor(const ScoringMessage& message);
// Lowercased: contains "critical" or is "3" → 1.0; contains "high" or is "2" → 0.7; is medium/normal/"1"
// → 0.5; contains "low" or is "0" → 0.2; absent or anything else → 0.5 (tested in this order).
double priority_factor(const std::optional<std::string>& priority);
// Lowercased: contains governance/constitutional → 0.8; contains command → 0.4; else (or absent) 0.2.
double type_factor(const std::optional<std::string>& message_type);

// The context's value when present, else the message's.
const std::optional<std::string>& effective_priority(const ScoringMessage& m, const ScoringContext& c);
const std::optional<std::string>& effective_type(const ScoringMessage& m, const ScoringContext& c);
// context.agent_id, else message.from_agent, else "anonymous".
std::string_view agent_of(const ScoringMessage& m, const ScoringContext& c);

struct Combined {
  double score = 0;
  bool priority_boost = false;  // the critical-priority floor raised the score
  bool semantic_boost = false;  // the high-semantic floor raised the score
};

// Σ weight·factor (in the original's order: semantic, permission, volume, context, drift, priority, type),
// then the boosts' floors, then capped at 1.
Combined combine(const ImpactFactors& f, const ScoringConfig& config);

}  // namespace acgs
