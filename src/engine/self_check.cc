#include "engine/self_check.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "common/short_number.h"

namespace acgs {
namespace {

constexpr double kFp32Tolerance = 1e-3;
constexpr double kFp16Tolerance = 2e-2;
constexpr double kInt8MinCosine = 0.99;

double min_row_cosine(const std::vector<float>& a, const std::vector<float>& b, size_t width) {
  double worst = 1.0;
  for (size_t r = 0; r * width < a.size(); ++r) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = r * width; i < (r + 1) * width; ++i) {
      dot += double(a[i]) * b[i];
      na += double(a[i]) * a[i];
      nb += double(b[i]) * b[i];
    }
    const double cos = (na == 0 || nb == 0) ? (na == nb ? 1.0 : 0.0) : dot / std::sqrt(na * nb);
    worst = std::min(worst, std::isfinite(cos) ? cos : -1.0);
  }
  return worst;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    if (!std::isfinite(d)) return INFINITY;
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace

SelfCheckInput make_self_check_input(const TokenBatch& batch, Backend& reference) {
  SelfCheckInput input;
  input.batch = batch;
  input.reference.resize(static_cast<size_t>(batch.total_tokens()) * reference.config().dim);
  reference.forward(input.batch, input.reference);
  return input;
}

std::string run_self_check(Backend& candidate, const std::string& precision, const SelfCheckInput& input) {
  std::vector<float> hidden(input.reference.size());
  try {
    candidate.forward(input.batch, hidden);
  } catch (const std::exception& e) {
    return std::string("startup self-check failed: forward threw: ") + e.what();
  }
  if (precision == "int8") {
    const double cos = min_row_cosine(hidden, input.reference, static_cast<size_t>(candidate.config().dim));
    if (cos >= kInt8MinCosine) return "";
    return "startup self-check failed: cosine similarity to the reference backend " + short_number(cos) + " < " +
           short_number(kInt8MinCosine);
  }
  const double tol = precision == "fp16" ? kFp16Tolerance : kFp32Tolerance;
  const double diff = max_abs_diff(hidden, input.reference);
  if (diff <= tol) return "";
  return "startup self-check failed: max |difference| from the reference backend " + short_number(diff) + " > " +
         short_number(tol) + " (" + precision + " tolerance)";
}

}  // namespace acgs
