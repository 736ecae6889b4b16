#pragma once
// Elementwise kernels over row-major [rows, cols] activations; rows at or past counts[0] are skipped.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace acgs::cuda {

// x = x · Φ(x) = 0.5 · x · (1 + erf(x / √2)) in place: the exact GELU of DistilBERT (torch's default
// nn.functional.gelu), computed in fp32. Used in fp32 mode only: cuBLASLt's GELU epilogue is the tanh
// approximation, which fits the fp16 error budget but not fp32's (see LtGemm::epilogue).
template <typename T>
void launch_gelu(cudaStream_t stream, const int* counts, int rows, int cols, T* x);

// dst = float(src) for the first counts[0] rows of [rows, cols]: fp16 hidden states widened for the caller.
void launch_half_to_float(cudaStream_t stream, const int* counts, int rows, int cols, const __half* src,
                          float* dst);

}  // namespace acgs::cuda
