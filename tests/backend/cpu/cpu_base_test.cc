// The cpu backends on distilbert-base shapes (synthetic base model, seed 0) against the reference backend:
// fp32 hidden states within 1e-3 on a mixed-length batch; int8 mean-pooled embeddings of 100 texts with
// cosine >= 0.995. Slow (the reference is plain double-accumulating loops).
#include <gtest/gtest.h>

#include <cstdio>

#include "backend/cpu/cpu_backend.h"
#include "backend/reference/reference_backend.h"
#include "cpu_test_util.h"
#include "model/synth.h"

namespace acgs {
namespace {

std::shared_ptr<const ModelWeights> base_model() {
  static const auto weights = std::make_shared<const ModelWeights>(synth_weights(synth_preset("base"), 0));
  return weights;
}

TEST(CpuBase, Fp32HiddenStatesMatchReferenceOnMixedLengths) {
  const auto weights = base_model();
  const TokenBatch batch = test::random_batch({1, 9, 40}, weights->config.vocab_size, 43);
  std::vector<float> want(size_t(batch.total_tokens()) * weights->config.dim), got(want.size());
  make_reference_backend(weights)->forward(batch, want);
  make_cpu_backend(weights, {CpuPrecision::kFp32, 2, nullptr})->forward(batch, got);
  const double diff = test::max_abs_diff(got, want);
  std::printf("cpu vs reference, base model, lengths 1/9/40: max abs diff %.2e\n", diff);
  EXPECT_LT(diff, 1e-3);
}

TEST(CpuBase, Int8MeanPooledCosineOnHundredTexts) {
  const auto weights = base_model();
  std::vector<int> lengths;
  for (int i = 0; i < 100; ++i) lengths.push_back(3 + (i * 29) % 30);  // 3..32 tokens, like bus messages
  const TokenBatch batch = test::random_batch(lengths, weights->config.vocab_size, 42);
  const int dim = weights->config.dim;
  std::vector<float> want(size_t(batch.size()) * dim), got(want.size());
  make_reference_backend(weights)->embed(batch, Pooling::kMean, false, want);
  make_cpu_backend(weights, {CpuPrecision::kInt8, 2, nullptr})->embed(batch, Pooling::kMean, false, got);
  double worst = 1, sum = 0;
  for (int s = 0; s < batch.size(); ++s) {
    const double c = test::cosine({want.data() + size_t(s) * dim, size_t(dim)}, {got.data() + size_t(s) * dim, size_t(dim)});
    worst = std::min(worst, c);
    sum += c;
  }
  std::printf("cpu-int8 vs reference, 100 texts: min cosine %.6f, mean %.6f\n", worst, sum / batch.size());
  EXPECT_GE(worst, 0.995);
}

}  // namespace
}  // namespace acgs
