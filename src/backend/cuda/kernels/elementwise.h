#pragma once
// Elementwise kernels over row-major [rows, cols] activations; rows at or past counts[0] are skipped.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace acgs::cuda {

// x = x · Φ(x) = 0.5 · x · (1 + erf(x / √2)) in place: the exact GELU of DistilBERT (torch's default
// nn.functional.gelu), computed in fp32. cuBLASLt's GELU epilogue is not documented to be the erf form,
// so the fp32 mode's FFN1 GEMM adds only the bias and this kernel applies the activation (fp16 mode fuses
// the epilogue, see gemm_epilogue).
template <typename T>
void launch_gelu(cudaStream_t stream, const int* counts, int rows, int cols, T* x);

// dst = float(src) for the first counts[0] rows of [rows, cols]: fp16 hidden states widened for the caller.
void launch_half_to_float(cudaStream_t stream, const int* counts, int rows, int cols, const __half* src,
                          float* dst);

}  // namespace acgs::cuda
