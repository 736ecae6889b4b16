#include "backend/cpu/packed_matrix.h"

#include <algorithm>
#include <cmath>

namespace acgs::cpu {

PackedMatrix pack_f32(const float* w, const float* b, int n, int k) {
  PackedMatrix p;
  p.n = n;
  p.k = k;
  p.panels.assign(size_t(p.padded_n()) * k, 0.0f);
  p.bias.assign(p.padded_n(), 0.0f);
  for (int col = 0; col < n; ++col) {
    float* panel = p.panels.data() + size_t(col / kPanel) * k * kPanel;
    for (int kk = 0; kk < k; ++kk) panel[size_t(kk) * kPanel + col % kPanel] = w[size_t(col) * k + kk];
    p.bias[col] = b[col];
  }
  return p;
}

PackedMatrixI8 pack_i8(const float* w, const float* b, int n, int k) {
  PackedMatrixI8 p;
  p.n = n;
  p.k = k;
  const int pairs = p.k_pairs();
  p.panels.assign(size_t(p.padded_n()) * pairs * 2, 0);
  p.scale.assign(p.padded_n(), 0.0f);
  p.bias.assign(p.padded_n(), 0.0f);
  for (int col = 0; col < n; ++col) {
    const float* row = w + size_t(col) * k;
    float max_abs = 0;
    for (int kk = 0; kk < k; ++kk) max_abs = std::max(max_abs, std::fabs(row[kk]));
    const float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
    int8_t* panel = p.panels.data() + size_t(col / kPanel) * pairs * kPanel * 2;
    for (int kk = 0; kk < k; ++kk) {
      const float q = std::nearbyint(row[kk] / scale);
      panel[(size_t(kk / 2) * kPanel + col % kPanel) * 2 + kk % 2] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
    p.scale[col] = scale;
    p.bias[col] = b[col];
  }
  return p;
}

}  // namespace acgs::cpu
