// The cpu backends on distilbert-base shapes (synthetic base model, seed 0) against the reference backend:
// fp32 hidden states within 1e-3 on a mixed-length batch; int8 mean-pooled embeddings of 100 texts with
// cosine >= 0.995, also with outlier features. Slow (the reference is plain double-accumulating loops).
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

// Worst mean-pooled cosine of cpu-int8 to the reference over 100 texts of 3..32 tokens, like bus messages.
double int8_min_cosine(const std::shared_ptr<const ModelWeights>& weights, const char* label) {
  std::vector<int> lengths;
  for (int i = 0; i < 100; ++i) lengths.push_back(3 + (i * 29) % 30);
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
  std::printf("cpu-int8 vs reference, %s, 100 texts: min cosine %.6f, mean %.6f\n", label, worst, sum / batch.size());
  return worst;
}

TEST(CpuBase, Int8MeanPooledCosineOnHundredTexts) { EXPECT_GE(int8_min_cosine(base_model(), "base model"), 0.995); }

// Trained BERTs carry a few hidden features far larger than the rest (in bert-base, dimensions 308 and 381
// after the LayerNorms), which widen every token's quantization range and so coarsen all other features.
// The same model with those two features scaled 20x by every LayerNorm must still pass the gate.
TEST(CpuBase, Int8MeanPooledCosineWithOutlierFeatures) {
  ModelWeights w = *base_model();
  const auto amplify = [](Tensor& gamma, Tensor& beta) {
    for (int d : {308, 381}) {
      gamma.data[d] *= 20;
      beta.data[d] *= 20;
    }
  };
  amplify(w.emb_norm_g, w.emb_norm_b);
  for (LayerWeights& l : w.layers) {
    amplify(l.sa_norm_g, l.sa_norm_b);
    amplify(l.out_norm_g, l.out_norm_b);
  }
  EXPECT_GE(int8_min_cosine(std::make_shared<const ModelWeights>(std::move(w)), "outlier features x20"), 0.995);
}

}  // namespace
}  // namespace acgs
