// The reference building blocks on cases small enough to check by hand.
#include "backend/reference/reference_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace acgs::reference {
namespace {

TEST(ReferenceOps, LinearUsesHfOutInLayout) {
  const std::vector<float> x = {1, 2, 3,  //
                                -1, 0, 2};
  const std::vector<float> w = {1, 0, 0,   // output 0 picks input 0
                                0, 1, 1};  // output 1 sums inputs 1 and 2
  const std::vector<float> b = {10, -1};
  std::vector<float> y(4);
  linear(x.data(), 2, 3, w.data(), b.data(), 2, y.data());
  EXPECT_EQ(y, (std::vector<float>{11, 4, 9, 1}));
}

TEST(ReferenceOps, LinearHandlesRowsBeyondOneTile) {
  const int rows = 19, in = 5, out = 3;  // more rows than one tile, not a multiple of it
  std::vector<float> x(rows * in), w(out * in), b(out, 0.5f), y(rows * out);
  for (int i = 0; i < rows * in; ++i) x[i] = float(i % 7) - 3;
  for (int i = 0; i < out * in; ++i) w[i] = float(i % 3) - 1;
  linear(x.data(), rows, in, w.data(), b.data(), out, y.data());
  for (int r = 0; r < rows; ++r)
    for (int o = 0; o < out; ++o) {
      float expected = 0.5f;
      for (int i = 0; i < in; ++i) expected += x[r * in + i] * w[o * in + i];
      EXPECT_FLOAT_EQ(y[r * out + o], expected) << "row " << r << " out " << o;
    }
}

TEST(ReferenceOps, LayerNormMatchesHandComputation) {
  // mean 2.5, biased variance 1.25: (x - 2.5) / sqrt(1.25) = [-1.3416, -0.4472, 0.4472, 1.3416].
  std::vector<float> x = {1, 2, 3, 4};
  const std::vector<float> gamma = {1, 1, 2, 1}, beta = {0, 0, 0, 1};
  layer_norm(x.data(), 1, 4, gamma.data(), beta.data(), 1e-12f);
  const double s = 1 / std::sqrt(1.25);
  EXPECT_NEAR(x[0], -1.5 * s, 1e-6);
  EXPECT_NEAR(x[1], -0.5 * s, 1e-6);
  EXPECT_NEAR(x[2], 2 * 0.5 * s, 1e-6);
  EXPECT_NEAR(x[3], 1.5 * s + 1, 1e-6);
}

TEST(ReferenceOps, LayerNormOfConstantRowIsBeta) {
  std::vector<float> x = {7, 7, 7};
  const std::vector<float> gamma = {1, 1, 1}, beta = {0.5f, -1, 0};
  layer_norm(x.data(), 1, 3, gamma.data(), beta.data(), 1e-12f);
  EXPECT_EQ(x, beta);
}

TEST(ReferenceOps, GeluIsExactErfForm) {
  // x · Φ(x): Φ(1) = 0.841344746..., Φ(-1) = 0.158655253...; the tanh approximation differs at 1e-4.
  std::vector<float> x = {0, 1, -1, 3, -10};
  gelu_erf(x.data(), x.size());
  EXPECT_EQ(x[0], 0);
  EXPECT_NEAR(x[1], 0.8413447460685429, 1e-7);
  EXPECT_NEAR(x[2], -0.15865525393145707, 1e-7);
  EXPECT_NEAR(x[3], 3 * 0.9986501019683699, 1e-6);
  EXPECT_NEAR(x[4], 0, 1e-20);
}

TEST(ReferenceOps, AttentionOfOneTokenReturnsItsValue) {
  const std::vector<float> q = {1, 2, 3, 4}, k = {-1, 0, 5, 2}, v = {0.5f, -2, 3, 8};
  std::vector<float> ctx(4);
  attention(q.data(), k.data(), v.data(), 1, 2, 2, ctx.data());
  EXPECT_EQ(ctx, v);
}

TEST(ReferenceOps, AttentionWeightsAreScaledSoftmaxPerHead) {
  // 2 tokens, 2 heads of head_dim 2. Head 0: every score is 0, so each query averages the values.
  // Head 1: query 0 scores the keys 0 and 2·2/√2 = 2√2; query 1 scores both keys 0.
  const std::vector<float> q = {0, 0, 0, 2,  //
                                0, 0, 0, 0};
  const std::vector<float> k = {1, 1, 0, 0,  //
                                3, -1, 0, 2};
  const std::vector<float> v = {1, 2, 10, 0,  //
                                3, 4, 0, 10};
  std::vector<float> ctx(8);
  attention(q.data(), k.data(), v.data(), 2, 2, 2, ctx.data());
  const double p1 = 1 / (1 + std::exp(-2 * std::sqrt(2.0)));  // softmax weight of key 1 for query 0, head 1
  const std::vector<double> expected = {2, 3, 10 * (1 - p1), 10 * p1,  //
                                        2, 3, 5, 5};
  for (size_t i = 0; i < ctx.size(); ++i) EXPECT_NEAR(ctx[i], expected[i], 1e-6) << "element " << i;
}

TEST(ReferenceOps, AttentionSoftmaxIsStableForHugeScores) {
  const std::vector<float> q = {1e4f, 0}, k = {1e4f, -1e4f}, v = {1, 2};
  std::vector<float> ctx(2);
  attention(q.data(), k.data(), v.data(), 2, 1, 1, ctx.data());
  EXPECT_EQ(ctx[0], 1);  // all weight on key 0, no NaN from exp overflow
  EXPECT_EQ(ctx[1], 1.5f);
}

TEST(ReferenceOps, AddInplace) {
  std::vector<float> x = {1, 2, 3};
  const std::vector<float> y = {0.5f, -2, 0};
  add_inplace(x.data(), y.data(), x.size());
  EXPECT_EQ(x, (std::vector<float>{1.5f, 0, 3}));
}

}  // namespace
}  // namespace acgs::reference
