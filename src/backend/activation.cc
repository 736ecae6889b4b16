#include "backend/activation.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "common/error.h"

namespace acgs {

void gelu_erf(float* x, size_t n) {
  constexpr double kInvSqrt2 = 1.0 / std::numbers::sqrt2;
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    x[i] = static_cast<float>(0.5 * v * (1.0 + std::erf(v * kInvSqrt2)));
  }
}

void gelu_tanh(float* x, size_t n) {
  const double k = std::sqrt(2.0 / std::numbers::pi);
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    x[i] = static_cast<float>(0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v))));
  }
}

void relu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

void apply_activation(std::string_view name, float* x, size_t n) {
  if (name == "gelu") return gelu_erf(x, n);
  if (name == "gelu_new") return gelu_tanh(x, n);
  if (name == "relu") return relu(x, n);
  fail(ErrorKind::kInvalidModel, "activation '" + std::string(name) +
                                     "' is not supported: the backends run gelu, gelu_new and relu");
}

}  // namespace acgs
