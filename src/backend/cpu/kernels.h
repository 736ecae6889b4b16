#pragma once
// The CPU backend's compute kernels as a table of plain functions, with one portable implementation
// (kernels_generic.cc, any x86-64/ARM CPU), an AVX2+FMA one (gemm_avx2.cc, ops_avx2.cc) and the same with
// AVX-512 (VNNI) GEMMs (gemm_avx512.cc), each ISA in its own translation units built for it and only ever
// called after a run-time CPUID check.
//
// Shapes and layouts (all row-major, leading dimensions in elements):
//   activations a/c/x: [m rows = tokens, cols] with leading dimension ld >= cols; GEMM outputs are written
//   for whole panels, so c needs ld >= w.padded_n().
//   qkv: [tokens, ld_qkv] holding q | k | v, each [dim], head h at columns h*head_dim.
//
// Every kernel computes each output element with a fixed operation order that does not depend on how
// the caller splits the work (panel range, row range), so results are bitwise identical for any thread
// count.
#include <cstdint>
#include <string_view>
#include <vector>

#include "backend/cpu/packed_matrix.h"

namespace acgs::cpu {

struct Epilogue {
  enum class Kind { kBias, kBiasGelu, kBiasResidual };
  Kind kind = Kind::kBias;
  const float* residual = nullptr;  // kBiasResidual: [m, ld_residual], same columns as c
  int ld_residual = 0;
};

// c[:, panels p0..p1) = epilogue(a[m, w.k] · Wᵀ + bias).
using GemmF32 = void (*)(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep,
                         float* c, int ldc);
// Activations quantized per row (see RowQuantization): row r is q[r·ld, r·ld + w.k_quads()·4).
struct QuantizedRows {
  const uint8_t* q;
  int ld;
  const float* scale;
  const int32_t* zero;
};
// The same GEMM on quantized activations: c ≈ epilogue(((q - zero)·scale) · Wᵀ + bias).
using GemmI8 = void (*)(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep,
                        float* c, int ldc);
// Per row: scale[r], zero[r] and q from row_quantization(min, max, the set's activation_levels); columns k..padded_k_i8(k) are zeroed
// (their weights are 0, so any value would do, but the buffer stays deterministic).
using QuantizeRows = void (*)(const float* x, int m, int k, int ldx, uint8_t* q, int ldq, float* scale, int32_t* zero);
// In place per row: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance, like torch).
using LayerNormRows = void (*)(float* x, int m, int dim, int ldx, const float* gamma, const float* beta, float eps);
// One (sequence, head): ctx[len, head cols] = softmax(q·kᵀ / √head_dim) · v, a few query rows at a time, so
// only `scratch` of attention_scratch_floats(len, head_dim) floats is needed (never a len × len matrix).
using AttentionHead = void (*)(const float* qkv, int ld_qkv, int len, int dim, int head_dim, int head, float* ctx,
                               int ld_ctx, float* scratch);

// Query rows an attention kernel may process together (one pass over the sequence's keys and values).
inline constexpr int kAttentionQueryBlock = 16;
// Kᵀ [head_dim][lp] + V [len][hp] + a block of score rows [lp] and output rows [hp], lp/hp rounded up to 8.
inline int attention_scratch_floats(int len, int head_dim) {
  return (head_dim + kAttentionQueryBlock) * round_up(len, 8) + (len + kAttentionQueryBlock) * round_up(head_dim, 8);
}

struct CpuKernels {
  const char* isa;
  int activation_levels;  // the largest quantized activation its gemm_i8 sums exactly (packed_matrix.h)
  GemmF32 gemm_f32;
  GemmI8 gemm_i8;
  QuantizeRows quantize_rows;
  LayerNormRows layer_norm;
  AttentionHead attention;
};

extern const CpuKernels kGenericKernels;
// Constant data: safe to reference on any CPU, only called if supported.
extern const CpuKernels kAvx2Kernels;
extern const CpuKernels kAvx512VnniKernels;  // kAvx2Kernels with the GEMMs on AVX-512 (int8: VNNI)

bool cpu_has_avx2_fma();
bool cpu_has_avx512_vnni();  // AVX-512 F, BW, VL and VNNI, enabled by the OS
// The tables this CPU runs, fastest first: kAvx512VnniKernels, kAvx2Kernels, kGenericKernels.
std::vector<const CpuKernels*> supported_kernels();
// The supported table named `isa` (its `isa` field), the fastest for an empty name; an unknown or
// unsupported name fails with kInvalidArgument listing the choices.
const CpuKernels& kernels_for_isa(std::string_view isa);
// kernels_for_isa($ACGS_CPU_ISA), decided once: the fastest table unless the variable caps it (A/B runs,
// or a machine where a wider ISA misbehaves, like oneDNN's ONEDNN_MAX_CPU_ISA).
const CpuKernels& best_kernels();

}  // namespace acgs::cpu
