#pragma once
// Linear weights repacked once at load into the layout the GEMM micro-kernels stream. Hugging Face
// stores W as [n, k] (y = x·Wᵀ + b); we cut the n output columns into panels of kPanel columns and store
// each panel k-major, so the kernel reads one contiguous 16-float (fp32) or 32-byte (int8) row of the
// panel per k step. n is padded up to a multiple of kPanel with zero weights and zero bias, so every
// panel is full; activation buffers therefore use a leading dimension of padded_n().
#include <cstdint>
#include <vector>

namespace acgs::cpu {

inline constexpr int kPanel = 16;

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

struct PackedMatrix {
  int n = 0;  // real output features
  int k = 0;  // input features
  std::vector<float> panels;  // [n_panels][k][kPanel]
  std::vector<float> bias;    // [padded_n]

  int n_panels() const { return round_up(n, kPanel) / kPanel; }
  int padded_n() const { return n_panels() * kPanel; }
};

// Weights quantized symmetrically per output column (scale = max|w| / 127) to int8. The kernel multiplies
// pairs of int16 values (vpmaddwd), so k is padded to even and each panel row holds, for one pair of k,
// kPanel columns × 2 values: [n_panels][k_pairs][kPanel][2].
struct PackedMatrixI8 {
  int n = 0;
  int k = 0;
  std::vector<int8_t> panels;
  std::vector<float> scale;  // [padded_n], 0 for padding columns
  std::vector<float> bias;   // [padded_n]

  int k_pairs() const { return (k + 1) / 2; }
  int n_panels() const { return round_up(n, kPanel) / kPanel; }
  int padded_n() const { return n_panels() * kPanel; }
};

// w: [n, k] row-major (HF layout), b: [n]. Several matrices with the same k can be stacked along n
// (the merged QKV projection) by passing their rows and biases concatenated.
PackedMatrix pack_f32(const float* w, const float* b, int n, int k);
PackedMatrixI8 pack_i8(const float* w, const float* b, int n, int k);

}  // namespace acgs::cpu
