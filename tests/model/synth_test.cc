#include "model/synth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <thread>

#include "common/sha256.h"
#include "model/default_model.h"
#include "model/model_files.h"
#include "model/tensor_slots.h"
#include "model_test_util.h"

namespace acgs {
namespace {

using test::TempDir;

struct Moments {
  double mean = 0, stddev = 0;
};

Moments moments(const std::vector<float>& v) {
  double s = 0, s2 = 0;
  for (float x : v) {
    s += x;
    s2 += double{x} * x;
  }
  const double mean = s / static_cast<double>(v.size());
  return {mean, std::sqrt(s2 / static_cast<double>(v.size()) - mean * mean)};
}

TEST(Synth, Presets) {
  const ModelConfig base = synth_preset("base");
  EXPECT_EQ(base.vocab_size, 30522);
  EXPECT_EQ(base.dim, 768);
  EXPECT_EQ(base.n_layers, 6);
  EXPECT_EQ(base.n_heads, 12);
  EXPECT_EQ(base.hidden_dim, 3072);
  EXPECT_EQ(base.max_position_embeddings, 512);
  const ModelConfig tiny = synth_preset("tiny");
  EXPECT_EQ(tiny.vocab_size, 30522);
  EXPECT_EQ(tiny.max_position_embeddings, 512);
  EXPECT_EQ(tiny.dim % tiny.n_heads, 0);
  test::expect_error([] { synth_preset("huge"); }, ErrorKind::kInvalidArgument, {"huge", "tiny", "base", "minilm-l6"});
}

TEST(Synth, BertPresetsHaveTheSentenceTransformerShapes) {
  struct Want {
    const char* name;
    int dim, layers, heads, ffn;
  };
  for (const Want& w : {Want{"minilm-l6", 384, 6, 12, 1536}, Want{"bge-small", 384, 12, 12, 1536},
                        Want{"bert-base", 768, 12, 12, 3072}}) {
    const ModelConfig c = synth_preset(w.name);
    EXPECT_TRUE(c.is_bert()) << w.name;
    EXPECT_EQ(c.type_vocab_size, 2) << w.name;
    EXPECT_EQ(c.dim, w.dim) << w.name;
    EXPECT_EQ(c.n_layers, w.layers) << w.name;
    EXPECT_EQ(c.n_heads, w.heads) << w.name;
    EXPECT_EQ(c.hidden_dim, w.ffn) << w.name;
    EXPECT_TRUE(synth_sentence_config(w.name).declared) << w.name;
  }
  EXPECT_FALSE(synth_sentence_config("base").declared);
}

TEST(Synth, TinyDirectoryLoadsBack) {
  TempDir dir;
  const std::string sha = synth_model("tiny", 3, dir.path());
  const ModelFiles files = locate_model(dir.path());
  const ModelWeights w = load_weights(files);
  EXPECT_EQ(w.sha256, sha);
  test::expect_shapes(w, 30522, 64, 2, 128, 512);
  const ModelWeights again = synth_weights(synth_preset("tiny"), 3);
  EXPECT_EQ(w.word_embeddings.data, again.word_embeddings.data);
  EXPECT_EQ(w.layers[1].ffn2_b.data, again.layers[1].ffn2_b.data);
  // The vocabulary is bert-base-uncased's.
  EXPECT_EQ(test::read_bytes(dir / "vocab.txt").size(), 231508u);
  EXPECT_GT(test::read_bytes(dir / "tokenizer.json").size(), 100000u);
}

TEST(Synth, Deterministic) {
  TempDir a, b, c;
  const std::string sa = synth_model("tiny", 11, a.path());
  EXPECT_EQ(synth_model("tiny", 11, b.path()), sa);
  EXPECT_EQ(test::read_bytes(a / "config.json"), test::read_bytes(b / "config.json"));
  EXPECT_NE(synth_model("tiny", 12, c.path()), sa);
  // Re-synthesizing into an existing directory overwrites it with the same content.
  EXPECT_EQ(synth_model("tiny", 11, c.path()), sa);
}

TEST(Synth, DistributionsLikeHfInit) {
  const ModelWeights w = synth_weights(synth_preset("tiny"), 0);
  const Moments emb = moments(w.word_embeddings.data);
  EXPECT_NEAR(emb.mean, 0.0, 1e-3);
  EXPECT_NEAR(emb.stddev, 0.02, 5e-4);
  const Moments q = moments(w.layers[0].q_w.data);
  EXPECT_NEAR(q.stddev, 0.02, 1e-3);
  // pad_token_id row is zero, like nn.Embedding(padding_idx).
  for (int i = 0; i < w.config.dim; ++i) EXPECT_EQ(w.word_embeddings.data[static_cast<size_t>(i)], 0.0f);
  // LayerNorm gammas near but not exactly 1, betas and biases small but not 0.
  for (const auto* t : {&w.emb_norm_g, &w.layers[1].sa_norm_g, &w.layers[0].out_norm_g}) {
    const Moments m = moments(t->data);
    EXPECT_NEAR(m.mean, 1.0, 0.03);
    EXPECT_GT(m.stddev, 0.02);
  }
  for (const auto* t : {&w.emb_norm_b, &w.layers[1].out_norm_b, &w.layers[0].k_b}) {
    const Moments m = moments(t->data);
    EXPECT_NEAR(m.mean, 0.0, 0.01);
    EXPECT_GT(m.stddev, 0.01);
  }
  // Distinct tensors get distinct streams.
  EXPECT_NE(w.layers[0].q_w.data, w.layers[0].k_w.data);
  EXPECT_NE(w.layers[0].q_w.data, w.layers[1].q_w.data);
}

TEST(Synth, EnsureIsRaceSafe) {
  TempDir home;
  std::vector<std::filesystem::path> got(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&, i] { got[i] = ensure_synth_model(home.path(), "tiny", 5); });
  for (auto& t : threads) t.join();
  for (const auto& p : got) EXPECT_EQ(p, home / "synth-tiny-seed5");
  EXPECT_NO_THROW(load_weights(locate_model(got[0])));
  // Only the final directory is left behind.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(home.path())) ++entries;
  EXPECT_EQ(entries, 1u);
  // An incomplete leftover is replaced.
  std::filesystem::remove(got[0] / "model.safetensors");
  EXPECT_NO_THROW(load_weights(locate_model(ensure_synth_model(home.path(), "tiny", 5))));
}

TEST(Synth, ResolveModelDir) { EXPECT_EQ(resolve_model_dir("/some/where"), std::filesystem::path("/some/where")); }

}  // namespace
}  // namespace acgs
