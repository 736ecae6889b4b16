#pragma once
// The FFN activations of the encoders we run, in Hugging Face's ACT2FN names, as plain in-place loops
// evaluated in double. The reference backend runs them all; the optimized backends fuse exact GELU into
// their FFN GEMM and call apply_activation for the others.
#include <cstddef>
#include <string_view>

namespace acgs {

// x * Φ(x) = 0.5 · x · (1 + erf(x / √2)), the exact GELU of torch.nn.functional.gelu ("gelu").
void gelu_erf(float* x, size_t n);
// 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), transformers' NewGELUActivation ("gelu_new").
void gelu_tanh(float* x, size_t n);
// max(x, 0) ("relu").
void relu(float* x, size_t n);
// One of the above by name; throws Error(kInvalidModel) for a name is_supported_activation() rejects.
void apply_activation(std::string_view name, float* x, size_t n);

}  // namespace acgs
