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
  const int quads = p.k_quads();
  p.panels.assign(size_t(p.padded_n()) * quads * 4, 0);
  p.scale.assign(p.padded_n(), 0.0f);
  p.col_sum.assign(p.padded_n(), 0);
  p.bias.assign(p.padded_n(), 0.0f);
  const float levels = kWeightLevelsI8;
  for (int col = 0; col < n; ++col) {
    const float* row = w + size_t(col) * k;
    float max_abs = 0;
    for (int kk = 0; kk < k; ++kk) max_abs = std::max(max_abs, std::fabs(row[kk]));
    const float scale = max_abs > 0 ? max_abs / levels : 1.0f;
    int8_t* panel = p.panels.data() + size_t(col / kPanel) * quads * kPanel * 4;
    for (int kk = 0; kk < k; ++kk) {
      const auto q = static_cast<int8_t>(std::clamp(std::nearbyint(row[kk] / scale), -levels, levels));
      panel[(size_t(kk / 4) * kPanel + col % kPanel) * 4 + kk % 4] = q;
      p.col_sum[col] += q;
    }
    p.scale[col] = scale;
    p.bias[col] = b[col];
  }
  return p;
}

RowQuantization row_quantization(float lo, float hi, int levels) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (!(hi > lo)) return {1.0f, 0.0f, 0, levels};  // an all-zero row: every q is 0, the zero point
  const float top = float(levels);
  const float inv = top / (hi - lo);
  return {(hi - lo) / top, inv, static_cast<int32_t>(std::nearbyint(-lo * inv)), levels};
}

uint8_t RowQuantization::quantize(float x) const {
  // fmin/fmax, not std::clamp: a NaN becomes the top level instead of undefined behaviour in the conversion.
  return static_cast<uint8_t>(std::fmax(0.0f, std::fmin(float(top), std::nearbyint(x * inv) + float(zero))));
}

}  // namespace acgs::cpu
