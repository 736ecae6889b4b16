#pragma once
// The feature vector both tree models (anomaly detector, compliance classifier) read: the seven impact
// factors of a scored message plus three raw message properties. A user's own XGBoost model must be
// trained on exactly these columns, in this order.
#include <array>
#include <cstddef>

namespace acgs::aux {

inline constexpr size_t kNumFeatures = 10;

// Column names, in order: semantic, permission, volume, context, drift, priority, type (the impact
// factors, each in [0, 1]), text_length (characters of the scored text), tool_count, amount
// (payload.amount, 0 when absent).
const std::array<const char*, kNumFeatures>& feature_names();

struct MessageFeatures {
  std::array<float, kNumFeatures> values{};
};

// factors in the order of feature_names() (semantic, permission, volume, context, drift, priority, type).
MessageFeatures make_features(const std::array<double, 7>& factors, size_t text_length, size_t tool_count,
                              double amount);

}  // namespace acgs::aux
