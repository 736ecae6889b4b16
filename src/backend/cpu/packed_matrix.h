#pragma once
// Linear weights repacked once at load into the layout the GEMM micro-kernels stream. Hugging Face
// stores W as [n, k] (y = x·Wᵀ + b); we cut the n output columns into panels of kPanel columns and store
// each panel k-major, so the kernel reads one contiguous 16-float (fp32) or 32-byte (int8) row of the
// panel per k step. n is padded up to a multiple of kPanel with zero weights and zero bias, so every
// panel is full; activation buffers therefore use a leading dimension of padded_n().
#include <cstdint>
#include <vector>

#include "backend/cpu/huge_page_allocator.h"

namespace acgs::cpu {

inline constexpr int kPanel = 16;

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

struct PackedMatrix {
  int n = 0;  // real output features
  int k = 0;  // input features
  std::vector<float, HugePageAllocator<float>> panels;  // [n_panels][k][kPanel]
  std::vector<float> bias;    // [padded_n]

  int n_panels() const { return round_up(n, kPanel) / kPanel; }
  int padded_n() const { return n_panels() * kPanel; }
};

// Largest |int8 weight|: 7 bits, so that vpmaddubsw's int16 sum of two u8 activation × weight products
// (at most 2 · 255 · 63 = 32130) can never saturate.
inline constexpr int kWeightLevelsI8 = 63;

// Weights quantized symmetrically per output column (scale = max|w| / kWeightLevelsI8). The kernel
// multiplies quads of u8 activations by int8 weights (vpmaddubsw, then vpmaddwd), so k is padded to a
// multiple of 4 and each panel row holds, for one quad of k, kPanel columns × 4 values:
// [n_panels][k_quads][kPanel][4]. col_sum (Σ_k of a column's int8 weights) removes the activations' zero
// point: Σ (q - zero)·w = Σ q·w - zero·col_sum.
struct PackedMatrixI8 {
  int n = 0;
  int k = 0;
  std::vector<int8_t, HugePageAllocator<int8_t>> panels;
  std::vector<float> scale;      // [padded_n], 0 for padding columns
  std::vector<int32_t> col_sum;  // [padded_n]
  std::vector<float> bias;       // [padded_n]

  int k_quads() const { return (k + 3) / 4; }
  int n_panels() const { return round_up(n, kPanel) / kPanel; }
  int padded_n() const { return n_panels() * kPanel; }
};

// Activations are quantized per row, asymmetric u8: x ≈ (q - zero) · scale, q in [0, 255], with the row's
// range widened to include 0 so that 0 is exact. Computed the same way by every kernel set (scale and
// zero from one function; q = nearbyint(x · inv) + zero, clamped), so they all quantize identically.
struct RowQuantization {
  float scale;
  float inv;  // 1 / scale, 0 for an all-zero row
  int32_t zero;

  // One value (vector kernels do the same in their lanes). Out of line on purpose: an inline function
  // would also be compiled in the AVX2 translation units, and the linker could keep that copy for all.
  uint8_t quantize(float x) const;
};
RowQuantization row_quantization(float lo, float hi);

// w: [n, k] row-major (HF layout), b: [n]. Several matrices with the same k can be stacked along n
// (the merged QKV projection) by passing their rows and biases concatenated.
PackedMatrix pack_f32(const float* w, const float* b, int n, int k);
PackedMatrixI8 pack_i8(const float* w, const float* b, int n, int k);

}  // namespace acgs::cpu
