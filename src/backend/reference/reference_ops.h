#pragma once
// The building blocks of the reference forward pass: plain loops over row-major fp32 arrays, written to
// read like the math. Dot products and statistics accumulate in double so the reference carries less
// rounding error than any backend it checks. Sizes are in elements; outputs are caller-owned.
#include <cstddef>

#include "backend/activation.h"

namespace acgs::reference {

// y[rows, out] = x[rows, in] · wᵀ + b, with w in Hugging Face's nn.Linear layout [out, in] and b [out].
void linear(const float* x, int rows, int in, const float* w, const float* b, int out, float* y);

// In place over each of `rows` rows of width dim: (x - mean) / sqrt(var + eps) * gamma + beta, with the
// biased variance exactly like torch.nn.LayerNorm.
void layer_norm(float* x, int rows, int dim, const float* gamma, const float* beta, float eps);

// x += y, elementwise over n values (the residual connections).
void add_inplace(float* x, const float* y, size_t n);

// The activations (gelu_erf and the others) live in backend/activation.h, shared with the CPU backends.
using acgs::gelu_erf;

// Multi-head scaled dot-product attention of one sequence of len tokens against itself.
// q, k, v, ctx: [len, n_heads * head_dim]; head h owns columns [h * head_dim, (h + 1) * head_dim).
// ctx = softmax(q·kᵀ / √head_dim) · v per head. No mask: the caller passes exactly one sequence's real
// tokens, which is what Hugging Face's padding mask reduces to.
void attention(const float* q, const float* k, const float* v, int len, int n_heads, int head_dim, float* ctx);

}  // namespace acgs::reference
