#pragma once
// A configuration value an importer must prove, never guess: every piece of evidence for it (a graph
// constant, a tensor shape, a config.json field) is recorded with where it was found, and the value is
// accepted only when at least one source states it and every source agrees. Not tied to one model
// family: any ONNX (or other) importer that infers a hyper-parameter can collect its evidence here.
#include <string>
#include <vector>

#include "common/error.h"
#include "common/short_number.h"

namespace acgs {

template <typename T>
class ProvenValue {
 public:
  // `what` names the value in messages, e.g. "the attention head count".
  explicit ProvenValue(std::string what) : what_(std::move(what)) {}

  void add(const T& value, std::string source) { evidence_.push_back({value, std::move(source)}); }
  size_t count() const { return evidence_.size(); }

  // The value all sources agree on. Error(kInvalidModel) beginning with `where` when there is no source
  // ("cannot be proven: " + `unproven`) or when two disagree (each distinct value with its first
  // source, then `conflict`).
  const T& value(const std::string& where, const std::string& unproven, const std::string& conflict) const {
    if (evidence_.empty()) fail(ErrorKind::kInvalidModel, where + ": " + what_ + " cannot be proven: " + unproven);
    std::vector<const Evidence*> distinct;
    std::vector<int> count;
    for (const Evidence& e : evidence_) {
      size_t i = 0;
      while (i < distinct.size() && !(distinct[i]->value == e.value)) ++i;
      if (i == distinct.size()) distinct.push_back(&e), count.push_back(0);
      ++count[i];
    }
    if (distinct.size() == 1) return evidence_.front().value;
    std::string found;
    for (size_t i = 0; i < distinct.size(); ++i)
      found += (i ? "; " : "") + text(distinct[i]->value) + " from " + distinct[i]->source +
               (count[i] > 1 ? " (and " + std::to_string(count[i] - 1) + " more)" : "");
    fail(ErrorKind::kInvalidModel, where + ": the sources of " + what_ + " disagree: " + found + "; " + conflict);
  }

 private:
  struct Evidence {
    T value;
    std::string source;
  };

  static std::string text(int v) { return std::to_string(v); }
  static std::string text(float v) { return short_number(v, 6); }
  static std::string text(const std::string& v) { return "\"" + v + "\""; }

  std::string what_;
  std::vector<Evidence> evidence_;
};

}  // namespace acgs
