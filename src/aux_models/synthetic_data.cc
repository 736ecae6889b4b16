#include "aux_models/synthetic_data.h"

#include <algorithm>
#include <cmath>

#include "common/splitmix64.h"

namespace acgs::aux {
namespace {

template <size_t N>
float pick(SplitMix64& rng, const float (&values)[N]) {
  return values[rng.below(N)];
}

MessageFeatures random_message(SplitMix64& rng) {
  static constexpr float kSemantic[] = {0.0f, 0.1f, 0.1f, 0.5f, 0.5f, 0.8f, 1.0f};
  static constexpr float kPermission[] = {0.1f, 0.1f, 0.2f, 0.2f, 0.5f, 0.9f};
  static constexpr float kVolume[] = {0.1f, 0.1f, 0.1f, 0.2f, 0.5f, 1.0f};
  static constexpr float kContext[] = {0.2f, 0.2f, 0.6f};
  static constexpr float kPriority[] = {0.2f, 0.5f, 0.5f, 0.7f, 1.0f};
  static constexpr float kType[] = {0.2f, 0.2f, 0.4f, 0.8f};
  MessageFeatures f;
  auto& v = f.values;
  // 30% of messages carry an embedding-based (continuous) semantic score instead of a keyword level.
  v[0] = rng.uniform() < 0.3 ? static_cast<float>(rng.uniform()) : pick(rng, kSemantic);
  v[1] = pick(rng, kPermission);
  v[2] = pick(rng, kVolume);
  v[3] = pick(rng, kContext);
  const double d = rng.uniform();
  v[4] = rng.uniform() < 0.1 ? 0.0f : static_cast<float>(d * d);  // drift is mostly small
  v[5] = pick(rng, kPriority);
  v[6] = pick(rng, kType);
  v[7] = static_cast<float>(rng.uniform() < 0.05 ? 500 + rng.below(4500) : 10 + rng.below(300));
  v[8] = static_cast<float>(rng.below(5));
  v[9] = rng.uniform() < 0.6 ? 0.0f : static_cast<float>(std::floor(std::pow(10.0, 6.0 * rng.uniform())));
  // The context factor is derived from the amount (0.2, +0.4 above 1000), so keep the two consistent.
  if (v[9] > 1000.0f) v[3] = 0.6f;
  return f;
}

}  // namespace

bool rule_label(AuxTask task, const MessageFeatures& f) {
  const auto& v = f.values;
  const float semantic = v[0], permission = v[1], volume = v[2], drift = v[4], priority = v[5], type = v[6];
  const float text_length = v[7], tool_count = v[8], amount = v[9];
  if (task == AuxTask::kAnomaly) {
    return (drift > 0.6f && volume >= 0.5f) || (amount > 100000.0f && permission >= 0.9f) ||
           (text_length > 2000.0f && tool_count >= 3.0f) ||
           (priority <= 0.2f && permission >= 0.9f && semantic >= 0.8f);
  }
  const double risk = 0.35 * semantic + 0.25 * permission + 0.15 * priority +
                      0.15 * std::min(1.0, static_cast<double>(amount) / 50000.0) + 0.10 * type;
  return risk >= 0.5;
}

Dataset synthetic_dataset(AuxTask task, size_t rows, uint64_t seed) {
  SplitMix64 rng(seed);
  Dataset d;
  d.rows = rows;
  d.features.reserve(rows * kNumFeatures);
  d.labels.reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    const MessageFeatures f = random_message(rng);
    d.features.insert(d.features.end(), f.values.begin(), f.values.end());
    const bool label = rule_label(task, f) != (rng.uniform() < kLabelNoise);
    d.labels.push_back(label ? 1.0f : 0.0f);
  }
  return d;
}

}  // namespace acgs::aux
