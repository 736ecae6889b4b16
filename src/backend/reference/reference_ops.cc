#include "backend/reference/reference_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace acgs::reference {
namespace {

// Four independent partial sums so consecutive additions do not wait on each other (about 4x faster
// than one running sum in scalar code); each is double, so the order change costs nothing measurable.
double dot(const float* a, const float* b, int n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += double(a[i]) * b[i];
    s1 += double(a[i + 1]) * b[i + 1];
    s2 += double(a[i + 2]) * b[i + 2];
    s3 += double(a[i + 3]) * b[i + 3];
  }
  for (; i < n; ++i) s0 += double(a[i]) * b[i];
  return (s0 + s1) + (s2 + s3);
}

// Input rows processed against one weight row while that row is hot in L1; w is then streamed from
// memory rows / kRowTile times instead of once per row.
constexpr int kRowTile = 8;

}  // namespace

void linear(const float* x, int rows, int in, const float* w, const float* b, int out, float* y) {
  for (int r0 = 0; r0 < rows; r0 += kRowTile) {
    const int r1 = std::min(rows, r0 + kRowTile);
    for (int o = 0; o < out; ++o) {
      const float* w_row = w + size_t(o) * in;
      for (int r = r0; r < r1; ++r)
        y[size_t(r) * out + o] = static_cast<float>(dot(x + size_t(r) * in, w_row, in) + b[o]);
    }
  }
}

void layer_norm(float* x, int rows, int dim, const float* gamma, const float* beta, float eps) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + size_t(r) * dim;
    double mean = 0;
    for (int j = 0; j < dim; ++j) mean += row[j];
    mean /= dim;
    double var = 0;
    for (int j = 0; j < dim; ++j) var += (row[j] - mean) * (row[j] - mean);
    var /= dim;
    const double inv_std = 1.0 / std::sqrt(var + eps);
    for (int j = 0; j < dim; ++j) row[j] = static_cast<float>((row[j] - mean) * inv_std * gamma[j] + beta[j]);
  }
}

void add_inplace(float* x, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] += y[i];
}

void attention(const float* q, const float* k, const float* v, int len, int n_heads, int head_dim, float* ctx) {
  const size_t dim = size_t(n_heads) * head_dim;
  const double scale = 1.0 / std::sqrt(double(head_dim));
  std::vector<double> weights(len);  // one query's attention probabilities over the len keys
  std::vector<double> acc(head_dim);
  for (int h = 0; h < n_heads; ++h) {
    const size_t col = size_t(h) * head_dim;
    for (int i = 0; i < len; ++i) {
      const float* q_i = q + i * dim + col;
      // Softmax with the row maximum subtracted: exp never overflows, and the result is unchanged.
      double max_score = -std::numeric_limits<double>::infinity();
      for (int j = 0; j < len; ++j) {
        weights[j] = dot(q_i, k + j * dim + col, head_dim) * scale;
        max_score = std::max(max_score, weights[j]);
      }
      double sum = 0;
      for (int j = 0; j < len; ++j) {
        weights[j] = std::exp(weights[j] - max_score);
        sum += weights[j];
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int j = 0; j < len; ++j) {
        const float* v_j = v + j * dim + col;
        const double p = weights[j] / sum;
        for (int d = 0; d < head_dim; ++d) acc[d] += p * v_j[d];
      }
      float* ctx_i = ctx + i * dim + col;
      for (int d = 0; d < head_dim; ++d) ctx_i[d] = static_cast<float>(acc[d]);
    }
  }
}

}  // namespace acgs::reference
