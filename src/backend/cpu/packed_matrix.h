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

// Largest |int8 weight|: the full symmetric int8 range, as ONNX Runtime's per-channel dynamic quantization.
// The largest quantized activation is the kernel set's (CpuKernels::activation_levels): 255 where the
// integer sums are exact for any u8 × s8 product (VNNI's vpdpbusd adds four products straight into int32,
// and the portable kernels), 127 for the AVX2 kernel, whose vpmaddubsw sums two products in int16:
// 2 · 127 · 127 = 32258 < 2^15 is exact, 2 · 255 · 127 would saturate. The weights are the same for all sets.
inline constexpr int kWeightLevelsI8 = 127;
inline constexpr int kActivationLevelsU8 = 255;
inline constexpr int kActivationLevelsU7 = 127;
// The int8 kernel consumes k in steps of 8 (two quads), so k is padded with zeros to a multiple of 8.
inline int padded_k_i8(int k) { return round_up(k, 8); }

// Weights quantized symmetrically per output column (scale = max|w| / kWeightLevelsI8). The kernel
// multiplies quads of u8 activations by int8 weights (vpmaddubsw, then vpmaddwd), so each panel row holds,
// for one quad of k, kPanel columns × 4 values: [n_panels][k_quads][kPanel][4], k_quads = padded_k_i8(k) / 4.
// col_sum (Σ_k of a column's int8 weights) removes the activations' zero point: Σ (q - zero)·w = Σ q·w -
// zero·col_sum.
struct PackedMatrixI8 {
  int n = 0;
  int k = 0;
  std::vector<int8_t, HugePageAllocator<int8_t>> panels;
  std::vector<float> scale;      // [padded_n], 0 for padding columns
  std::vector<int32_t> col_sum;  // [padded_n]
  std::vector<float> bias;       // [padded_n]

  int k_quads() const { return padded_k_i8(k) / 4; }
  int n_panels() const { return round_up(n, kPanel) / kPanel; }
  int padded_n() const { return n_panels() * kPanel; }
};

// Activations are quantized per row, asymmetric: x ≈ (q - zero) · scale, q in [0, top], with the row's
// range widened to include 0 so that 0 is exact. Computed the same way by every kernel set (scale and
// zero from one function; q = nearbyint(x · inv) + zero, clamped), so they all quantize identically.
struct RowQuantization {
  float scale;
  float inv;  // 1 / scale, 0 for an all-zero row
  int32_t zero;
  int32_t top;  // the largest level (the kernel set's activation_levels)

  // One value (vector kernels do the same in their lanes). Out of line on purpose: an inline function
  // would also be compiled in the AVX2 translation units, and the linker could keep that copy for all.
  uint8_t quantize(float x) const;
};
RowQuantization row_quantization(float lo, float hi, int levels);

// w: [n, k] row-major (HF layout), b: [n]. Several matrices with the same k can be stacked along n
// (the merged QKV projection) by passing their rows and biases concatenated.
PackedMatrix pack_f32(const float* w, const float* b, int n, int k);
PackedMatrixI8 pack_i8(const float* w, const float* b, int n, int k);

}  // namespace acgs::cpu
