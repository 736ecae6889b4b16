// The reference forward pass on models small enough to check by hand, its packing invariants and its
// errors. Agreement with PyTorch on a real-shaped model is reference_oracle_test.cc.
#include "backend/reference/reference_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "common/error.h"

namespace acgs {
namespace {

Tensor tensor(std::vector<int64_t> shape, float fill = 0) {
  Tensor t{std::move(shape), {}};
  t.data.assign(size_t(t.numel()), fill);
  return t;
}

Tensor identity(int n) {
  Tensor t = tensor({n, n});
  for (int i = 0; i < n; ++i) t.data[size_t(i) * n + i] = 1;
  return t;
}

// Every tensor at its config shape: weights and biases 0, LayerNorm gammas 1.
ModelWeights zero_weights(const ModelConfig& c) {
  ModelWeights w;
  w.config = c;
  const int64_t d = c.dim, h = c.hidden_dim;
  w.word_embeddings = tensor({c.vocab_size, d});
  w.position_embeddings = tensor({c.max_position_embeddings, d});
  w.emb_norm_g = tensor({d}, 1);
  w.emb_norm_b = tensor({d});
  for (int i = 0; i < c.n_layers; ++i) {
    LayerWeights l;
    for (Tensor* m : {&l.q_w, &l.k_w, &l.v_w, &l.out_w}) *m = tensor({d, d});
    for (Tensor* b : {&l.q_b, &l.k_b, &l.v_b, &l.out_b, &l.sa_norm_b, &l.ffn2_b, &l.out_norm_b}) *b = tensor({d});
    l.sa_norm_g = tensor({d}, 1);
    l.out_norm_g = tensor({d}, 1);
    l.ffn1_w = tensor({h, d});
    l.ffn1_b = tensor({h});
    l.ffn2_w = tensor({d, h});
    w.layers.push_back(std::move(l));
  }
  return w;
}

// zero_weights with every value drawn uniformly from [-0.5, 0.5] (LayerNorm gammas from [0.5, 1.5]).
ModelWeights random_weights(const ModelConfig& c, unsigned seed) {
  ModelWeights w = zero_weights(c);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
  auto fill = [&](Tensor& t, float offset) {
    for (float& v : t.data) v = offset + uniform(rng);
  };
  fill(w.word_embeddings, 0);
  fill(w.position_embeddings, 0);
  fill(w.emb_norm_g, 1);
  fill(w.emb_norm_b, 0);
  for (LayerWeights& l : w.layers) {
    for (Tensor* t : {&l.q_w, &l.q_b, &l.k_w, &l.k_b, &l.v_w, &l.v_b, &l.out_w, &l.out_b, &l.sa_norm_b, &l.ffn1_w,
                      &l.ffn1_b, &l.ffn2_w, &l.ffn2_b, &l.out_norm_b})
      fill(*t, 0);
    fill(l.sa_norm_g, 1);
    fill(l.out_norm_g, 1);
  }
  return w;
}

ModelConfig small_config(int n_layers) {
  ModelConfig c;
  c.vocab_size = 40;
  c.dim = 8;
  c.n_layers = n_layers;
  c.n_heads = 2;
  c.hidden_dim = 12;
  c.max_position_embeddings = 16;
  return c;
}

TokenBatch batch_of(const std::vector<std::vector<int32_t>>& sequences) {
  TokenBatch batch;
  for (const auto& s : sequences) batch.add(s);
  return batch;
}

std::vector<float> run(Backend& backend, const TokenBatch& batch) {
  std::vector<float> hidden(size_t(batch.total_tokens()) * backend.config().dim);
  backend.forward(batch, hidden);
  return hidden;
}

// Textbook LayerNorm (gamma 1, beta 0) and GELU in double, for the hand-derived expectations.
std::vector<double> norm(std::vector<double> x) {
  double mean = 0, var = 0;
  for (double v : x) mean += v / x.size();
  for (double v : x) var += (v - mean) * (v - mean) / x.size();
  for (double& v : x) v = (v - mean) / std::sqrt(var + 1e-12);
  return x;
}
double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }

TEST(ReferenceBackend, EmbeddingsRestartPositionsInEveryPackedSequence) {
  ModelConfig c = small_config(0);
  c.dim = 2;
  c.n_heads = 1;
  ModelWeights w = zero_weights(c);
  // Word embeddings are all zero, position p is [p, 0]: LayerNorm maps [0, 0] to [0, 0] and any
  // [p > 0, 0] to [1, -1], so each row shows whether its position was 0.
  for (int p = 0; p < c.max_position_embeddings; ++p) w.position_embeddings.data[size_t(p) * 2] = float(p);
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(std::move(w)));
  const std::vector<float> hidden = run(*backend, batch_of({{5, 6, 7}, {8, 9}}));
  const std::vector<float> expected = {0, 0, 1, -1, 1, -1,  //
                                       0, 0, 1, -1};
  ASSERT_EQ(hidden.size(), expected.size());
  for (size_t i = 0; i < hidden.size(); ++i) EXPECT_NEAR(hidden[i], expected[i], 1e-6) << "value " << i;
}

TEST(ReferenceBackend, OneLayerWithIdentityWeightsMatchesHandDerivation) {
  // q_lin = k_lin = 0 make every attention score 0, so each token's context is the mean of its own
  // sequence's values; v_lin = out_lin = identity make that the mean of the embeddings x0. lin1 = lin2 =
  // identity reduce the FFN to GELU. So: x1 = norm(x0 + mean(x0 over the sequence)), out = norm(x1 + gelu(x1)).
  ModelConfig c = small_config(1);
  c.dim = c.hidden_dim = 4;
  ModelWeights w = zero_weights(c);
  for (size_t i = 0; i < w.word_embeddings.data.size(); ++i) w.word_embeddings.data[i] = float((i * 7) % 11) - 5;
  for (size_t i = 0; i < w.position_embeddings.data.size(); ++i) w.position_embeddings.data[i] = float(i % 3) * 0.25f;
  LayerWeights& l = w.layers[0];
  l.v_w = l.out_w = l.ffn1_w = l.ffn2_w = identity(4);
  const ModelWeights copy = w;
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(std::move(w)));

  const std::vector<std::vector<int32_t>> sequences = {{1, 2, 3}, {4}, {30, 2}};
  const std::vector<float> hidden = run(*backend, batch_of(sequences));
  size_t row = 0;
  for (const auto& seq : sequences) {
    std::vector<std::vector<double>> x0;
    std::vector<double> mean(4, 0.0);
    for (size_t p = 0; p < seq.size(); ++p) {
      std::vector<double> e(4);
      for (int j = 0; j < 4; ++j)
        e[j] = copy.word_embeddings.data[seq[p] * 4 + j] + copy.position_embeddings.data[p * 4 + j];
      x0.push_back(norm(e));
      for (int j = 0; j < 4; ++j) mean[j] += x0.back()[j] / seq.size();
    }
    for (const auto& x : x0) {
      std::vector<double> x1(4), x2(4);
      for (int j = 0; j < 4; ++j) x1[j] = x[j] + mean[j];
      x1 = norm(x1);
      for (int j = 0; j < 4; ++j) x2[j] = x1[j] + gelu(x1[j]);
      x2 = norm(x2);
      for (int j = 0; j < 4; ++j) EXPECT_NEAR(hidden[row * 4 + j], x2[j], 1e-5) << "row " << row << " col " << j;
      ++row;
    }
  }
}

TEST(ReferenceBackend, PackedBatchEqualsSequencesRunAlone) {
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(random_weights(small_config(2), 1)));
  const std::vector<std::vector<int32_t>> sequences = {{1, 5, 9, 2}, {3}, {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 39}, {0, 12}};
  const std::vector<float> packed = run(*backend, batch_of(sequences));
  size_t offset = 0;
  for (const auto& seq : sequences) {
    const std::vector<float> alone = run(*backend, batch_of({seq}));
    const std::vector<float> slice(packed.begin() + offset, packed.begin() + offset + alone.size());
    EXPECT_EQ(slice, alone);  // bit-identical: nothing in a row depends on the other sequences
    offset += alone.size();
  }
}

TEST(ReferenceBackend, EmbedPoolsForwardOutput) {
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(random_weights(small_config(2), 2)));
  const TokenBatch batch = batch_of({{1, 2, 3}, {4, 5}});
  const std::vector<float> hidden = run(*backend, batch);
  const int dim = backend->config().dim;
  std::vector<float> mean(2 * dim), cls(2 * dim), unit(2 * dim);
  backend->embed(batch, Pooling::kMean, false, mean);
  backend->embed(batch, Pooling::kCls, false, cls);
  backend->embed(batch, Pooling::kMean, true, unit);
  for (int j = 0; j < dim; ++j) {
    EXPECT_NEAR(mean[j], (hidden[j] + hidden[dim + j] + hidden[2 * dim + j]) / 3, 1e-6);
    EXPECT_NEAR(mean[dim + j], (hidden[3 * dim + j] + hidden[4 * dim + j]) / 2, 1e-6);
    EXPECT_EQ(cls[j], hidden[j]);
    EXPECT_EQ(cls[dim + j], hidden[3 * dim + j]);
  }
  for (int s = 0; s < 2; ++s) {
    double sq = 0, norm = 0;
    for (int j = 0; j < dim; ++j) sq += double(unit[s * dim + j]) * unit[s * dim + j];
    for (int j = 0; j < dim; ++j) norm += double(mean[s * dim + j]) * mean[s * dim + j];
    EXPECT_NEAR(sq, 1.0, 1e-6);
    EXPECT_NEAR(unit[s * dim] * std::sqrt(norm), mean[s * dim], 1e-5);
  }
}

TEST(ReferenceBackend, ConcurrentCallsAgreeWithSequentialOnes) {
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(random_weights(small_config(2), 3)));
  const TokenBatch a = batch_of({{1, 2, 3, 4, 5, 6}, {7}}), b = batch_of({{8, 9}, {10, 11, 12}});
  const std::vector<float> expected_a = run(*backend, a), expected_b = run(*backend, b);
  std::vector<float> got_a, got_b;
  std::thread ta([&] {
    for (int i = 0; i < 50; ++i) got_a = run(*backend, a);
  });
  std::thread tb([&] {
    for (int i = 0; i < 50; ++i) got_b = run(*backend, b);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(got_a, expected_a);
  EXPECT_EQ(got_b, expected_b);
}

TEST(ReferenceBackend, Info) {
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(zero_weights(small_config(1))));
  EXPECT_EQ(backend->info().name, "reference");
  EXPECT_EQ(backend->info().precision, "fp32");
  EXPECT_FALSE(backend->info().device.empty());
  EXPECT_EQ(backend->config().dim, 8);
}

void expect_invalid_argument(Backend& backend, const TokenBatch& batch, size_t out_size, const std::string& what) {
  std::vector<float> hidden(out_size);
  try {
    backend.forward(batch, hidden);
    ADD_FAILURE() << "no error for " << what;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(ReferenceBackend, RejectsBadBatches) {
  auto backend = make_reference_backend(std::make_shared<ModelWeights>(zero_weights(small_config(1))));
  const int dim = 8;
  expect_invalid_argument(*backend, TokenBatch{}, 0, "empty batch");
  expect_invalid_argument(*backend, batch_of({{1, 2}, {}}), 2 * dim, "sequence 1 has no tokens");
  expect_invalid_argument(*backend, batch_of({{1, 40}}), 2 * dim, "token id 40");
  expect_invalid_argument(*backend, batch_of({{-1}}), dim, "token id -1");
  expect_invalid_argument(*backend, batch_of({std::vector<int32_t>(17, 1)}), 17 * dim, "more than the model's 16");
  expect_invalid_argument(*backend, batch_of({{1, 2}}), 3 * dim, "hidden buffer has 24 floats, expected 16");
  EXPECT_EQ(run(*backend, batch_of({std::vector<int32_t>(16, 1)})).size(), 16u * dim);  // exactly max positions
}

TEST(ReferenceBackend, RejectsWeightsThatDoNotMatchTheirConfig) {
  EXPECT_THROW(make_reference_backend(nullptr), Error);
  ModelWeights w = zero_weights(small_config(2));
  w.layers[1].ffn1_w = tensor({8, 12});  // transposed
  try {
    make_reference_backend(std::make_shared<ModelWeights>(std::move(w)));
    ADD_FAILURE() << "mis-shaped weights accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_NE(std::string(e.what()).find("transformer.layer.1.ffn.lin1.weight has shape [8, 12]"), std::string::npos)
        << e.what();
  }
  ModelWeights missing_layer = zero_weights(small_config(2));
  missing_layer.layers.pop_back();
  EXPECT_THROW(make_reference_backend(std::make_shared<ModelWeights>(std::move(missing_layer))), Error);
}

}  // namespace
}  // namespace acgs
