#pragma once
// The deterministic synthetic training data of the two tree models. There is no public labelled data set
// of ACGS-2 messages, so the labels are defined by documented rules over the features, plus seeded label
// noise so the models must generalize instead of memorizing the rule:
//
// anomaly (1 = anomalous):
//     (drift > 0.6 and volume >= 0.5)                        a busy agent suddenly changing topic
//  or (amount > 100000 and permission >= 0.9)                a large amount with a write/execute tool
//  or (text_length > 2000 and tool_count >= 3)               an oversized, tool-heavy message
//  or (priority <= 0.2 and permission >= 0.9 and semantic >= 0.8)  a "low priority" critical action
//
// compliance (1 = needs compliance review):
//     0.35 semantic + 0.25 permission + 0.15 priority + 0.15 min(1, amount / 50000) + 0.10 type >= 0.5
//
// Each label is then flipped with probability kLabelNoise. Features follow the value sets the scorer
// produces (e.g. permission in {0.1, 0.2, 0.5, 0.9}) with continuous semantic/drift components.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aux_models/features.h"

namespace acgs::aux {

enum class AuxTask { kAnomaly, kCompliance };

inline constexpr double kLabelNoise = 0.03;

struct Dataset {
  size_t rows = 0;
  std::vector<float> features;  // row-major [rows, kNumFeatures]
  std::vector<float> labels;    // 0 or 1
};

// The rule above, without noise.
bool rule_label(AuxTask task, const MessageFeatures& f);
// rows random messages from `seed`, labelled by rule_label then noised; the same seed gives the same data.
Dataset synthetic_dataset(AuxTask task, size_t rows, uint64_t seed);

}  // namespace acgs::aux
