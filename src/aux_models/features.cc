#include "aux_models/features.h"

namespace acgs::aux {

const std::array<const char*, kNumFeatures>& feature_names() {
  static const std::array<const char*, kNumFeatures> names = {
      "semantic", "permission", "volume", "context", "drift", "priority", "type", "text_length", "tool_count", "amount"};
  return names;
}

MessageFeatures make_features(const std::array<double, 7>& factors, size_t text_length, size_t tool_count,
                              double amount) {
  MessageFeatures f;
  for (size_t i = 0; i < factors.size(); ++i) f.values[i] = static_cast<float>(factors[i]);
  f.values[7] = static_cast<float>(text_length);
  f.values[8] = static_cast<float>(tool_count);
  f.values[9] = static_cast<float>(amount);
  return f;
}

}  // namespace acgs::aux
