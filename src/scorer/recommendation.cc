#include "scorer/recommendation.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace acgs {
namespace {

template <typename... Args>
std::string format(const char* fmt, Args... args) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

struct Contribution {
  const char* name;
  double factor;
  double weight;
  double value() const { return factor * weight; }
};

}  // namespace

std::string recommendation_text(const ImpactFactors& f, const Combined& combined, const ScoringConfig& config) {
  const bool deliberate = combined.score >= config.deliberation_threshold;
  std::string text = deliberate ? format("Requires deliberation: impact %.3f >= threshold %.2f.", combined.score,
                                         config.deliberation_threshold)
                                : format("No deliberation needed: impact %.3f < threshold %.2f.", combined.score,
                                         config.deliberation_threshold);
  if (combined.priority_boost) {
    text += format(" Critical-priority boost (priority %.2f >= %.2f) raised it to %.2f.", f.priority,
                   config.critical_priority.trigger, config.critical_priority.floor);
  }
  if (combined.semantic_boost) {
    text += format(" High-semantic boost (semantic %.2f >= %.2f) raised it to %.2f.", f.semantic,
                   config.high_semantic.trigger, config.high_semantic.floor);
  }
  const auto& w = config.weights;
  std::array<Contribution, 7> parts{{{"semantic", f.semantic, w.semantic},
                                     {"permission", f.permission, w.permission},
                                     {"volume", f.volume, w.volume},
                                     {"context", f.context, w.context},
                                     {"drift", f.drift, w.drift},
                                     {"priority", f.priority, w.priority},
                                     {"type", f.type, w.type}}};
  std::stable_sort(parts.begin(), parts.end(),
                   [](const Contribution& a, const Contribution& b) { return a.value() > b.value(); });
  std::string top;
  for (size_t i = 0; i < 3 && parts[i].value() > 0.0; ++i) {
    top += std::string(top.empty() ? "" : ", ") + parts[i].name +
           format(" %.2f (x%.2f)", parts[i].factor, parts[i].weight);
  }
  if (!top.empty()) text += " Top factors: " + top + ".";
  return text;
}

}  // namespace acgs
