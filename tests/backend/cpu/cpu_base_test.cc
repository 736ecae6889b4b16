// The cpu backends on distilbert-base shapes (synthetic base model, seed 0) against the reference backend:
// fp32 hidden states within 1e-3 on a mixed-length batch; int8 mean-pooled embeddings of 100 texts with
// cosine >= 0.995 on every kernel set, also with planted outlier features. Slow (the reference is plain
// double-accumulating loops, and the generic int8 kernels run too).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/kernels.h"
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

// Worst mean-pooled cosine of cpu-int8 to the reference over 100 texts of 3..32 tokens, like bus messages, for
// every kernel set this CPU runs (they quantize activations to different levels: 255, or 127 on AVX2).
// `plain_dims`: the features whose pooled error is also returned, relative to their largest |value| (with
// planted outliers the cosine is dominated by the outlier features and says little about the rest).
struct Int8Error {
  double min_cosine = 1;
  double plain_rel_error = 0;  // max over texts of max |Δ| / max |reference| over plain_dims
};

std::vector<Int8Error> int8_errors(const std::shared_ptr<const ModelWeights>& weights, const char* label,
                                   const std::vector<int>& plain_dims) {
  std::vector<int> lengths;
  for (int i = 0; i < 100; ++i) lengths.push_back(3 + (i * 29) % 30);
  const TokenBatch batch = test::random_batch(lengths, weights->config.vocab_size, 42);
  const int dim = weights->config.dim;
  std::vector<float> want(size_t(batch.size()) * dim);
  make_reference_backend(weights)->embed(batch, Pooling::kMean, false, want);
  std::vector<Int8Error> out;
  for (const auto* kernels : cpu::supported_kernels()) {
    std::vector<float> got(want.size());
    make_cpu_backend(weights, {CpuPrecision::kInt8, 2, kernels})->embed(batch, Pooling::kMean, false, got);
    Int8Error e;
    double sum = 0;
    for (int s = 0; s < batch.size(); ++s) {
      const float* w = want.data() + size_t(s) * dim;
      const float* g = got.data() + size_t(s) * dim;
      const double c = test::cosine({w, size_t(dim)}, {g, size_t(dim)});
      e.min_cosine = std::min(e.min_cosine, c);
      sum += c;
      double diff = 0, scale = 0;
      for (int d : plain_dims) {
        diff = std::max(diff, double(std::fabs(g[d] - w[d])));
        scale = std::max(scale, double(std::fabs(w[d])));
      }
      e.plain_rel_error = std::max(e.plain_rel_error, diff / scale);
    }
    std::printf("cpu-int8 (%s) vs reference, %s, 100 texts: min cosine %.6f, mean %.6f; other features: max |error| "
                "%.2e of their largest value\n",
                kernels->isa, label, e.min_cosine, sum / batch.size(), e.plain_rel_error);
    out.push_back(e);
  }
  return out;
}

std::vector<int> all_dims_but(int dim, const std::vector<int>& skip) {
  std::vector<int> dims;
  for (int d = 0; d < dim; ++d) {
    if (std::find(skip.begin(), skip.end(), d) == skip.end()) dims.push_back(d);
  }
  return dims;
}

TEST(CpuBase, Int8MeanPooledCosineOnHundredTexts) {
  const auto weights = base_model();
  for (const Int8Error& e : int8_errors(weights, "base model", all_dims_but(weights->config.dim, {}))) {
    EXPECT_GE(e.min_cosine, 0.995);
  }
}

// Trained BERTs carry a few hidden features far larger than the rest (in bert-base, dimensions 308 and 381
// after the LayerNorms), which widen every token's quantization range and so coarsen all other features.
// Planted here: `factor` times larger gamma and beta in every LayerNorm for a few features.
std::shared_ptr<const ModelWeights> with_outliers(const std::vector<int>& dims, float factor) {
  ModelWeights w = *base_model();
  const auto amplify = [&](Tensor& gamma, Tensor& beta) {
    for (int d : dims) {
      gamma.data[d] *= factor;
      beta.data[d] *= factor;
    }
  };
  amplify(w.emb_norm_g, w.emb_norm_b);
  for (LayerWeights& l : w.layers) {
    amplify(l.sa_norm_g, l.sa_norm_b);
    amplify(l.out_norm_g, l.out_norm_b);
  }
  return std::make_shared<const ModelWeights>(std::move(w));
}

// The scheme must survive outliers of 20x and 50x: every kernel set keeps the pooled cosine gate, and the
// ordinary features keep their error within 5 % of their largest value (without outliers: ~1 %).
TEST(CpuBase, Int8SurvivesPlantedOutlierFeatures) {
  const std::vector<int> outliers = {77, 308, 381, 588};
  const auto plain = all_dims_but(base_model()->config.dim, outliers);
  for (float factor : {20.0f, 50.0f}) {
    const std::string label = "outlier features x" + std::to_string(int(factor));
    for (const Int8Error& e : int8_errors(with_outliers(outliers, factor), label.c_str(), plain)) {
      EXPECT_GE(e.min_cosine, 0.995) << label;
      EXPECT_LT(e.plain_rel_error, 0.05) << label;
    }
  }
}

}  // namespace
}  // namespace acgs
