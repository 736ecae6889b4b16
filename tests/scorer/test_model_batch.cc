// The scorer on a real model: the tiny synthetic DistilBERT on the reference and cpu backends. Batch scoring
// (one embed call) gives results identical to one-by-one scoring, and the embedding path is live
// (semantic uses the similarity rule, not keywords alone).
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.h"
#include "model/default_model.h"
#include "scorer/engine_embedder.h"
#include "scorer/impact_scorer.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

std::shared_ptr<TextEmbedder> tiny_embedder(const std::string& backend) {
  const auto models = std::filesystem::temp_directory_path() / "acgs_scorer_test_models";
  EngineOptions options;
  options.backend = backend;
  std::shared_ptr<const Engine> engine = Engine::open(ensure_synth_model(models, "tiny", 7).string(), options);
  return std::make_shared<EngineEmbedder>(std::move(engine), 128);
}

std::vector<ScoringRequest> stream() {
  auto requests = test::load_samples();
  const auto samples = requests;
  // Repeat the samples from a few shared agents so volume and drift state is exercised, plus texts long
  // enough to be truncated at 128 tokens and one empty text.
  for (int round = 0; round < 3; ++round) {
    for (auto r : samples) {
      r.context.agent_id = "agent-" + std::to_string(round % 2);
      requests.push_back(r);
    }
  }
  ScoringRequest long_text;
  std::string text;
  for (int i = 0; i < 300; ++i) text += "governance token " + std::to_string(i) + " ";
  long_text.message.content = text;
  requests.push_back(long_text);
  ScoringRequest empty;
  empty.message.content = "   ";
  requests.push_back(empty);
  return requests;
}

void expect_batch_equals_single(const std::string& backend) {
  const auto requests = stream();
  ImpactScorer single(ScoringConfig{}, tiny_embedder(backend));
  std::vector<ImpactResult> expected;
  for (const auto& r : requests) expected.push_back(single.score(r.message, r.context));

  ImpactScorer batch(ScoringConfig{}, tiny_embedder(backend));
  std::vector<ScoringMessage> messages;
  std::vector<ScoringContext> contexts;
  for (const auto& r : requests) {
    messages.push_back(r.message);
    contexts.push_back(r.context);
  }
  const auto got = batch.score_batch(messages, contexts);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].score, expected[i].score) << backend << " message " << i;
    EXPECT_EQ(got[i].factors.semantic, expected[i].factors.semantic) << backend << " message " << i;
    EXPECT_EQ(got[i].factors.drift, expected[i].factors.drift) << backend << " message " << i;
    EXPECT_EQ(got[i].factors.volume, expected[i].factors.volume) << backend << " message " << i;
    EXPECT_EQ(got[i].recommendation, expected[i].recommendation) << backend << " message " << i;
  }
}

TEST(ScorerModel, BatchEqualsOneByOneOnReferenceBackend) { expect_batch_equals_single("reference"); }

// The fast CPU backend packs the batch into shared GEMMs; its rows must not depend on the batch.
TEST(ScorerModel, BatchEqualsOneByOneOnCpuBackend) { expect_batch_equals_single("cpu"); }

TEST(ScorerModel, SemanticFollowsTheEmbeddingRule) {
  auto embedder = tiny_embedder("reference");
  ImpactScorer scorer(ScoringConfig{}, embedder);
  EXPECT_EQ(scorer.mode(), "reference");
  // A text that is exactly a keyword embeds to the keyword's own vector: cosine 1 → semantic 1.
  ScoringMessage m;
  m.content = "Breach";
  EXPECT_NEAR(scorer.score(m).factors.semantic, 1.0, 1e-5);
  // Any text: semantic = max(keyword score, rule(max cosine)), recomputed here from the embedder.
  const std::vector<std::string> texts = {"routine status report", "weekly payment summary"};
  const ScoringConfig config;
  std::vector<float> v(texts.size() * embedder->dim()), k(config.keywords.size() * embedder->dim());
  embedder->embed(texts, v);
  embedder->embed(config.keywords, k);
  for (size_t t = 0; t < texts.size(); ++t) {
    double best = -1;
    for (size_t w = 0; w < config.keywords.size(); ++w) {
      double dot = 0;
      for (int d = 0; d < embedder->dim(); ++d) dot += double(v[t * embedder->dim() + d]) * k[w * embedder->dim() + d];
      best = std::max(best, dot);
    }
    const double kw = keyword_score(texts[t], config.keywords);
    const double want = std::max(kw, embedding_score(best, kw, config.embedding));
    ScoringMessage msg;
    msg.content = texts[t];
    EXPECT_NEAR(scorer.score(msg).factors.semantic, want, 1e-9) << texts[t];
  }
}

}  // namespace
}  // namespace acgs
