#pragma once
// The AVX-512 GEMMs (gemm_avx512.cc; contracts in kernels.h).
#include "backend/cpu/kernels.h"

namespace acgs::cpu::avx512 {

void gemm_f32(const float* a, int m, int lda, const PackedMatrix& w, int p0, int p1, const Epilogue& ep, float* c,
              int ldc);
void gemm_i8(const QuantizedRows& a, int m, const PackedMatrixI8& w, int p0, int p1, const Epilogue& ep, float* c,
             int ldc);

}  // namespace acgs::cpu::avx512
