// The cpu and cpu-int8 backends end to end against the reference backend on synthetic models with odd
// sizes (dim not a multiple of 8 or 16, head_dim 12), mixed-length packed batches, thread counts and
// concurrent callers.
#include "backend/cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "backend/reference/reference_backend.h"
#include "common/error.h"
#include "cpu_test_util.h"
#include "model/synth.h"

namespace acgs {
namespace {

using test::max_abs_diff;

std::shared_ptr<const ModelWeights> odd_model() {
  ModelConfig c;
  c.vocab_size = 300;
  c.dim = 36;
  c.n_heads = 3;
  c.n_layers = 2;
  c.hidden_dim = 100;
  c.max_position_embeddings = 512;
  return std::make_shared<const ModelWeights>(synth_weights(c, 7));
}

std::shared_ptr<const ModelWeights> tiny_model() {
  return std::make_shared<const ModelWeights>(synth_weights(synth_preset("tiny"), 3));
}

std::vector<float> run_forward(Backend& backend, const TokenBatch& batch) {
  std::vector<float> hidden(size_t(batch.total_tokens()) * backend.config().dim);
  backend.forward(batch, hidden);
  return hidden;
}

std::unique_ptr<Backend> cpu_backend(std::shared_ptr<const ModelWeights> w, CpuPrecision p, int threads,
                                     const cpu::CpuKernels* kernels = nullptr) {
  return make_cpu_backend(std::move(w), {p, threads, kernels});
}

TEST(CpuBackend, HiddenStatesMatchReferenceOnMixedLengths) {
  for (const auto& weights : {odd_model(), tiny_model()}) {
    auto reference = make_reference_backend(weights);
    for (const std::vector<int>& lengths : {std::vector<int>{1, 5, 17, 64, 130}, std::vector<int>{1, 512}}) {
      const TokenBatch batch = test::random_batch(lengths, weights->config.vocab_size, 5);
      const auto expected = run_forward(*reference, batch);
      for (const auto* kernels : cpu::supported_kernels()) {
        auto cpu = cpu_backend(weights, CpuPrecision::kFp32, 2, kernels);
        const double diff = max_abs_diff(run_forward(*cpu, batch), expected);
        std::printf("%s dim=%d lengths=%zu: max |cpu - reference| = %.2e\n", kernels->isa, weights->config.dim,
                    lengths.size(), diff);
        EXPECT_LT(diff, 1e-3) << kernels->isa << " dim=" << weights->config.dim << " batch of " << lengths.size();
      }
    }
  }
}

// BERT shapes the sentence-transformers models use: head_dim 32 (MiniLM, bge-small) and 64, a token-type
// embedding, and each activation of BertConfig.hidden_act we run (gelu is fused into the GEMM, the others not).
TEST(CpuBackend, BertShapesAndActivationsMatchReference) {
  for (const std::string activation : {"gelu", "gelu_new", "relu"}) {
    for (const int head_dim : {32, 64}) {
      ModelConfig c;
      c.model_type = "bert";
      c.type_vocab_size = 2;
      c.activation = activation;
      c.layer_norm_eps = 1e-5f;
      c.vocab_size = 300;
      c.n_heads = 3;
      c.dim = 3 * head_dim;
      c.n_layers = 2;
      c.hidden_dim = 4 * c.dim;
      const auto weights = std::make_shared<const ModelWeights>(synth_weights(c, 11));
      auto reference = make_reference_backend(weights);
      const TokenBatch batch = test::random_batch({1, 9, 33, 70}, c.vocab_size, 4);
      const auto expected = run_forward(*reference, batch);
      auto cpu = cpu_backend(weights, CpuPrecision::kFp32, 2);
      const double diff = max_abs_diff(run_forward(*cpu, batch), expected);
      EXPECT_LT(diff, 1e-3) << activation << " head_dim " << head_dim;
      auto int8 = cpu_backend(weights, CpuPrecision::kInt8, 2);
      std::vector<float> want(size_t(batch.size()) * c.dim), got(want.size());
      reference->embed(batch, Pooling::kMean, false, want);
      int8->embed(batch, Pooling::kMean, false, got);
      for (int s = 0; s < batch.size(); ++s)
        EXPECT_GE(test::cosine({want.data() + size_t(s) * c.dim, size_t(c.dim)},
                               {got.data() + size_t(s) * c.dim, size_t(c.dim)}),
                  0.999)
            << activation << " head_dim " << head_dim << " sequence " << s;
    }
  }
}

TEST(CpuBackend, PackedBatchEqualsSequencesRunAlone) {
  const auto weights = odd_model();
  auto cpu = cpu_backend(weights, CpuPrecision::kFp32, 2);
  const TokenBatch batch = test::random_batch({3, 1, 40, 9}, weights->config.vocab_size, 8);
  const auto together = run_forward(*cpu, batch);
  for (int s = 0; s < batch.size(); ++s) {
    TokenBatch one;
    one.add(batch.sequence(s));
    const auto alone = run_forward(*cpu, one);
    const std::vector<float> slice(together.begin() + size_t(batch.offsets[s]) * weights->config.dim,
                                   together.begin() + size_t(batch.offsets[s + 1]) * weights->config.dim);
    EXPECT_EQ(slice, alone) << "sequence " << s << " depends on its batch neighbours";
  }
}

TEST(CpuBackend, ResultsAreBitwiseIndependentOfThreadCount) {
  const auto weights = odd_model();
  const TokenBatch batch = test::random_batch({1, 33, 7, 130, 2}, weights->config.vocab_size, 9);
  for (auto precision : {CpuPrecision::kFp32, CpuPrecision::kInt8}) {
    const auto one = run_forward(*cpu_backend(weights, precision, 1), batch);
    for (int threads : {2, 3}) {
      EXPECT_EQ(run_forward(*cpu_backend(weights, precision, threads), batch), one)
          << threads << " threads, precision " << int(precision);
    }
  }
}

TEST(CpuBackend, ConcurrentCallersGetTheSerialResults) {
  const auto weights = odd_model();
  auto cpu = cpu_backend(weights, CpuPrecision::kFp32, 2);
  std::vector<TokenBatch> batches;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 4; ++i) {
    batches.push_back(test::random_batch({1 + 13 * i, 5 + i}, weights->config.vocab_size, 100 + i));
    expected.push_back(run_forward(*cpu, batches.back()));
  }
  std::vector<std::thread> callers;
  std::vector<int> mismatches(batches.size(), 0);
  for (size_t i = 0; i < batches.size(); ++i) {
    callers.emplace_back([&, i] {
      for (int rep = 0; rep < 10; ++rep) mismatches[i] += run_forward(*cpu, batches[i]) != expected[i];
    });
  }
  for (auto& t : callers) t.join();
  for (size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(mismatches[i], 0) << "caller " << i;
}

TEST(CpuBackend, Int8EmbeddingsKeepCosineOnHundredTexts) {
  const auto weights = tiny_model();
  auto reference = make_reference_backend(weights);
  auto int8 = cpu_backend(weights, CpuPrecision::kInt8, 2);
  std::vector<int> lengths;
  for (int i = 0; i < 100; ++i) lengths.push_back(2 + (i * 37) % 127);
  const TokenBatch batch = test::random_batch(lengths, weights->config.vocab_size, 10);
  const int dim = weights->config.dim;
  std::vector<float> want(size_t(batch.size()) * dim), got(want.size());
  reference->embed(batch, Pooling::kMean, false, want);
  int8->embed(batch, Pooling::kMean, false, got);
  double worst = 1;
  for (int s = 0; s < batch.size(); ++s) {
    worst = std::min(worst, test::cosine({want.data() + size_t(s) * dim, size_t(dim)},
                                         {got.data() + size_t(s) * dim, size_t(dim)}));
  }
  EXPECT_GE(worst, 0.995);
}

TEST(CpuBackend, RejectsBadInputWithClearErrors) {
  auto cpu = cpu_backend(odd_model(), CpuPrecision::kFp32, 1);
  const int dim = cpu->config().dim;
  TokenBatch bad_id;
  bad_id.add(std::vector<int32_t>{1, 300});
  std::vector<float> out(2 * size_t(dim));
  EXPECT_THROW(cpu->forward(bad_id, out), Error);
  TokenBatch too_long = test::random_batch({513}, 300, 1);
  std::vector<float> long_out(513 * size_t(dim));
  EXPECT_THROW(cpu->forward(too_long, long_out), Error);
  TokenBatch ok = test::random_batch({2}, 300, 1);
  std::vector<float> small(dim);
  EXPECT_THROW(cpu->forward(ok, small), Error);
  EXPECT_THROW(make_cpu_backend(nullptr), Error);
  EXPECT_THROW(make_cpu_backend(odd_model(), {CpuPrecision::kFp32, -1, nullptr}), Error);
}

TEST(CpuBackend, InfoNamesPrecisionAndIsa) {
  auto int8 = cpu_backend(tiny_model(), CpuPrecision::kInt8, 2);
  EXPECT_EQ(int8->info().name, "cpu-int8");
  EXPECT_EQ(int8->info().precision, "int8");
  EXPECT_NE(int8->info().device.find("2 threads"), std::string::npos) << int8->info().device;
}

}  // namespace
}  // namespace acgs
