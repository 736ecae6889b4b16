#include "scorer/factors.h"

#include <algorithm>
#include <initializer_list>

#include "scorer/python_text.h"

namespace acgs {
namespace {

bool contains_any(std::string_view text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

}  // namespace

std::string normalized_text(const ScoringMessage& message) {
  const std::string lowered = python_lower(message_text(message));
  return std::string(python_strip(lowered));
}

double keyword_score(std::string_view normalized, std::span<const std::string> keywords) {
  if (normalized.empty()) return 0.0;
  const auto hits =
      std::count_if(keywords.begin(), keywords.end(), [&](const std::string& k) { return contains(normalized, k); });
  if (hits >= 5) return 1.0;
  if (hits >= 3) return 0.8;
  if (hits >= 1) return 0.5;
  return 0.1;
}

double embedding_score(double similarity, double keyword, const EmbeddingRule& rule) {
  const double threshold = keyword < rule.strict_below_keyword_score ? rule.strict_threshold : rule.threshold;
  return similarity >= threshold ? similarity : similarity * rule.scale;
}

double permission_factor(std::span<const std::string> tools) {
  double risk = 0.1;
  for (const auto& tool : tools) {
    const std::string name = python_lower(tool);
    if (contains_any(name, {"execute", "delete", "write", "submit", "transfer"})) {
      risk = std::max(risk, 0.9);
    } else if (contains_any(name, {"send", "update", "modify"})) {
      risk = std::max(risk, 0.5);
    } else if (contains_any(name, {"read", "get", "list", "view"})) {
      risk = std::max(risk, 0.2);
    }
  }
  return risk;
}

double volume_factor(uint64_t earlier) {
  if (earlier >= 150) return 1.0;
  if (earlier >= 50) return 0.5;
  if (earlier >= 20) return 0.2;
  return 0.1;
}

double context_factor(const ScoringMessage& message) {
  return message.payload_amount && *message.payload_amount > 1000.0 ? 0.2 + 0.4 : 0.2;
}

double priority_factor(const std::optional<std::string>& priority) {
  if (!priority) return 0.5;
  const std::string p = python_lower(*priority);
  if (contains(p, "critical") || p == "3") return 1.0;
  if (contains(p, "high") || p == "2") return 0.7;
  if (p == "medium" || p == "normal" || p == "1") return 0.5;
  if (contains(p, "low") || p == "0") return 0.2;
  return 0.5;
}

double type_factor(const std::optional<std::string>& message_type) {
  if (!message_type) return 0.2;
  const std::string t = python_lower(*message_type);
  if (contains(t, "governance") || contains(t, "constitutional")) return 0.8;
  if (contains(t, "command")) return 0.4;
  return 0.2;
}

const std::optional<std::string>& effective_priority(const ScoringMessage& m, const ScoringContext& c) {
  return c.priority ? c.priority : m.priority;
}

const std::optional<std::string>& effective_type(const ScoringMessage& m, const ScoringContext& c) {
  return c.message_type ? c.message_type : m.message_type;
}

std::string_view agent_of(const ScoringMessage& m, const ScoringContext& c) {
  if (c.agent_id) return *c.agent_id;
  if (m.from_agent) return *m.from_agent;
  return "anonymous";
}

Combined combine(const ImpactFactors& f, const ScoringConfig& config) {
  const FactorWeights& w = config.weights;
  double weighted = f.semantic * w.semantic;
  weighted += f.permission * w.permission;
  weighted += f.volume * w.volume;
  weighted += f.context * w.context;
  weighted += f.drift * w.drift;
  weighted += f.priority * w.priority;
  weighted += f.type * w.type;
  Combined out;
  if (f.priority >= config.critical_priority.trigger && weighted < config.critical_priority.floor) {
    weighted = config.critical_priority.floor;
    out.priority_boost = true;
  }
  if (f.semantic >= config.high_semantic.trigger && weighted < config.high_semantic.floor) {
    weighted = config.high_semantic.floor;
    out.semantic_boost = true;
  }
  out.score = std::min(1.0, weighted);
  return out;
}

}  // namespace acgs
