#pragma once
// A packed variable-length batch: sequence i is ids[offsets[i] .. offsets[i+1]). There are no padding
// tokens anywhere; activations use the same packing ([total_tokens, dim] row-major), so a sequence's
// attention only ever sees its own tokens.
#include <cstdint>
#include <span>
#include <vector>

namespace acgs {

struct TokenBatch {
  std::vector<int32_t> ids;
  std::vector<int32_t> offsets{0};

  int size() const { return static_cast<int>(offsets.size()) - 1; }
  int total_tokens() const { return static_cast<int>(ids.size()); }
  int length(int i) const { return offsets[i + 1] - offsets[i]; }
  std::span<const int32_t> sequence(int i) const {
    return {ids.data() + offsets[i], static_cast<size_t>(length(i))};
  }
  int max_length() const {
    int m = 0;
    for (int i = 0; i < size(); ++i) m = length(i) > m ? length(i) : m;
    return m;
  }
  void add(std::span<const int32_t> seq) {
    ids.insert(ids.end(), seq.begin(), seq.end());
    offsets.push_back(static_cast<int32_t>(ids.size()));
  }
};

}  // namespace acgs
