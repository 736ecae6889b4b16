#pragma once
// GEMM pieces shared by the AVX2 and AVX-512 translation units (see kernels.h for the contracts). Everything
// here is defined out of line in gemm_avx2.cc (built for AVX2), except prefetch_step, which holds no vector
// code: an inline function with vector code would be compiled in the AVX-512 unit too, and the linker could
// keep that copy for the AVX2 kernels.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "backend/cpu/kernels.h"

namespace acgs::cpu::avx2 {

void gemm_f32(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep, float* c,
              int ldc);
void gemm_i8(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep, float* c,
             int ldc);

// Weights stream from memory once per GEMM (short texts reuse each weight for only a few row blocks), so
// while one block of weights is in use, the first row blocks over it prefetch the block that follows in
// memory, a share each (up to 4 shares, one prefetch per k step), into L2: on Zen 4, prefetching into L1
// instead ran a 16-row GEMM over DRAM-resident weights at 75-84 GFLOP/s on one core vs 96-100, and 1 × 16
// forward passes 1.39x slower (why, no counter in this VM tells; a guess: fewer misses in flight through
// L1's miss buffers). Addresses, not pointers: the share after the last block points past the weights,
// which a prefetch tolerates and pointer arithmetic would not.
struct Prefetch {
  uintptr_t start = 0;  // 0: this row block prefetches nothing
  size_t step = 0;      // bytes per k step
};

// Row block `row_block` of `row_blocks` over the weight block at `block` (`bytes` long, read in `k_steps`
// steps): its share of the block that follows.
Prefetch prefetch_share(const void* block, size_t bytes, int k_steps, int row_block, int row_blocks);

inline void prefetch_step(const Prefetch& pf, int k) {
  _mm_prefetch(reinterpret_cast<const char*>(pf.start + pf.step * k), _MM_HINT_T1);
}

// Residual rows/columns matching c's; a dummy pointer when the epilogue has no residual.
const float* residual_at(const Epilogue& ep, int row, int col);

// One fp32 tile: rows [0, MR) of a (row r at a + r·lda, from column k0 of the k-block) × one panel slice b of
// kc k steps, into c (zeroed first if `first`); bias != nullptr on the last k-block: apply the epilogue.
using MicroF32 = void (*)(const float* a, int lda, const float* b, int kc, bool first, float* c, int ldc,
                          const float* bias, const Epilogue& ep, const float* residual, const Prefetch& pf);
// The fp32 GEMM over tiles of up to `mr` rows (micro[rows] for a tile of `rows` rows): each panel streamed
// once in address order in k-blocks that stay in L1 while every row block uses them, the next one
// prefetched meanwhile. Each C element is summed over k in increasing order whatever the tile shape.
void gemm_f32_tiled(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep,
                    float* c, int ldc, const MicroF32* micro, int mr);

// One int8 tile: rows [row, row + MR) × panel `panel`, all of k, scaled back to fp32 and finished.
using MicroI8 = void (*)(const QuantizedRows& a, int row, const PackedMatrixI8& w, int panel, float* c, int ldc,
                         const Epilogue& ep, const float* residual, const Prefetch& pf);
// The int8 GEMM over tiles of up to `mr` rows, micro[rows] computing a tile of `rows` rows (micro[1..mr]):
// panels in address order, each panel over blocks of rows that share it, the next panel prefetched.
void gemm_i8_tiled(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep,
                   float* c, int ldc, const MicroI8* micro, int mr);

}  // namespace acgs::cpu::avx2
