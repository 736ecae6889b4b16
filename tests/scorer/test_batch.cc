// The model path with a deterministic fake embedder: the semantic rule with embeddings, one embedder call
// per batch, batch results identical to one-by-one scoring, semantic_override, and failure atomicity.
#include <gtest/gtest.h>

#include "common/error.h"
#include "fake_embedder.h"
#include "scorer/impact_scorer.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

using test::FakeEmbedder;

std::shared_ptr<FakeEmbedder> make_fake(std::map<std::string, double> similarity = {}) {
  return std::make_shared<FakeEmbedder>(default_keywords(), std::move(similarity));
}

ScoringMessage text_message(const std::string& text, const std::string& agent = "agent") {
  ScoringMessage m;
  m.content = text;
  m.from_agent = agent;
  return m;
}

TEST(ScorerBatch, KeywordEmbeddingsOnceAtConstruction) {
  auto fake = make_fake();
  ImpactScorer scorer(ScoringConfig{}, fake);
  EXPECT_EQ(fake->calls.load(), 1);
  EXPECT_EQ(fake->texts_seen.load(), 28u);
  EXPECT_EQ(scorer.mode(), "fake");
  EXPECT_EQ(ImpactScorer().mode(), "heuristic");
}

TEST(ScorerBatch, SemanticWithEmbeddings) {
  auto fake = make_fake({{"quiet note", 0.96}, {"near miss", 0.94}, {"one breach", 0.9}, {"one breach again", 0.8}});
  ImpactScorer scorer(ScoringConfig{}, fake);
  // No keyword (0.1 < 0.3): similarity must reach 0.95. 0.96 counts; 0.94 → 0.94·0.3 = 0.282.
  EXPECT_NEAR(scorer.score(text_message("Quiet note")).factors.semantic, fake->cosine_for("quiet note"), 1e-12);
  EXPECT_NEAR(scorer.score(text_message("near miss")).factors.semantic, fake->cosine_for("near miss") * 0.3, 1e-12);
  // One keyword (0.5): threshold 0.85. 0.9 counts; 0.8 → 0.24 < 0.5 → keyword score wins.
  EXPECT_NEAR(scorer.score(text_message("one breach")).factors.semantic, fake->cosine_for("one breach"), 1e-12);
  EXPECT_DOUBLE_EQ(scorer.score(text_message("one breach again")).factors.semantic, 0.5);
  // A text equal to a keyword has similarity 1 → semantic 1 → high-semantic boost.
  const ImpactResult r = scorer.score(text_message("  BREACH "));
  EXPECT_DOUBLE_EQ(r.factors.semantic, 1.0);
  EXPECT_TRUE(r.requires_deliberation);
  // Empty text: 0, and the model is not asked.
  const int calls = fake->calls.load();
  EXPECT_EQ(scorer.score(text_message(" \t")).factors.semantic, 0.0);
  EXPECT_EQ(fake->calls.load(), calls);
}

TEST(ScorerBatch, SemanticOverrideReplacesTheFactor) {
  auto fake = make_fake();
  ImpactScorer scorer(ScoringConfig{}, fake);
  const int calls = fake->calls.load();
  ScoringContext c;
  c.semantic_override = 0.05;
  const ImpactResult r = scorer.score(text_message("critical security breach alert exploit"), c);
  EXPECT_DOUBLE_EQ(r.factors.semantic, 0.05);
  EXPECT_EQ(fake->calls.load(), calls);  // no embedding needed
  // Drift tracks the override: next message semantic 1.0 (text = keyword) vs history {0.05} → 1.0.
  EXPECT_DOUBLE_EQ(scorer.score(text_message("breach")).factors.drift, 1.0);
  // Heuristic scorers honour it too.
  ImpactScorer heuristic;
  c.semantic_override = 0.9;
  EXPECT_DOUBLE_EQ(heuristic.score(text_message("hello"), c).factors.semantic, 0.9);
}

// A mixed stream: repeated agents (volume and drift state), contexts, overrides, empty texts, tools.
std::vector<ScoringRequest> mixed_stream(int n) {
  std::vector<ScoringRequest> out;
  const char* texts[] = {
      "critical breach", "routine report", "", "governance policy audit", "breach", "payment transfer over limit",
      "hello world",     "alert"};
  for (int i = 0; i < n; ++i) {
    ScoringRequest r;
    r.message = text_message(texts[i % 8], "agent-" + std::to_string(i % 5));
    if (i % 3 == 0) r.message.tools = {"write_db"};
    if (i % 4 == 0) r.message.payload_amount = 5000;
    if (i % 7 == 0) r.context.agent_id = "ctx-agent";
    if (i % 11 == 0) r.context.semantic_override = 0.7;
    if (i % 6 == 0) r.context.priority = "critical";
    out.push_back(r);
  }
  return out;
}

void expect_same(const ImpactResult& a, const ImpactResult& b, int i) {
  EXPECT_EQ(a.score, b.score) << i;
  EXPECT_EQ(a.factors.semantic, b.factors.semantic) << i;
  EXPECT_EQ(a.factors.permission, b.factors.permission) << i;
  EXPECT_EQ(a.factors.volume, b.factors.volume) << i;
  EXPECT_EQ(a.factors.context, b.factors.context) << i;
  EXPECT_EQ(a.factors.drift, b.factors.drift) << i;
  EXPECT_EQ(a.factors.priority, b.factors.priority) << i;
  EXPECT_EQ(a.factors.type, b.factors.type) << i;
  EXPECT_EQ(a.recommendation, b.recommendation) << i;
  EXPECT_EQ(a.requires_deliberation, b.requires_deliberation) << i;
}

void check_batch_equals_single(std::shared_ptr<TextEmbedder> one, std::shared_ptr<TextEmbedder> batched) {
  const auto stream = mixed_stream(200);
  ImpactScorer single(ScoringConfig{}, one);
  std::vector<ImpactResult> expected;
  for (const auto& r : stream) expected.push_back(single.score(r.message, r.context));

  ImpactScorer batch(ScoringConfig{}, batched);
  std::vector<ImpactResult> got;
  // Uneven chunks, including a single and a large one.
  for (size_t begin = 0, step = 1; begin < stream.size(); begin += step, step = step * 2 + 1) {
    const size_t end = std::min(stream.size(), begin + step);
    std::vector<ScoringMessage> messages;
    std::vector<ScoringContext> contexts;
    for (size_t i = begin; i < end; ++i) {
      messages.push_back(stream[i].message);
      contexts.push_back(stream[i].context);
    }
    for (auto& r : batch.score_batch(messages, contexts)) got.push_back(std::move(r));
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) expect_same(got[i], expected[i], static_cast<int>(i));
}

TEST(ScorerBatch, BatchEqualsOneByOneHeuristic) { check_batch_equals_single(nullptr, nullptr); }

TEST(ScorerBatch, BatchEqualsOneByOneWithEmbedder) {
  auto one = make_fake({{"critical breach", 0.97}, {"routine report", 0.96}, {"hello world", 0.5}});
  auto batched = make_fake({{"critical breach", 0.97}, {"routine report", 0.96}, {"hello world", 0.5}});
  check_batch_equals_single(one, batched);
  // One embedder call per batch (after the keyword call); the single scorer made one per non-empty text.
  EXPECT_LT(batched->calls.load(), 12);
  EXPECT_GT(one->calls.load(), 100);
}

TEST(ScorerBatch, NoContextsMeansEmptyContexts) {
  ImpactScorer scorer;
  const std::vector<ScoringMessage> messages = {text_message("a", "x"), text_message("b", "x")};
  const auto results = scorer.score_batch(messages);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].factors.volume, 0.1);
  const std::vector<ScoringContext> one_context(1);
  EXPECT_THROW(scorer.score_batch(messages, one_context), Error);
  EXPECT_TRUE(scorer.score_batch({}).empty());
}

TEST(ScorerBatch, EmbedderFailureLeavesStateUnchanged) {
  auto fake = make_fake();
  ImpactScorer scorer(ScoringConfig{}, fake);
  fake->fail_next = true;
  const std::vector<ScoringMessage> messages = {text_message("one", "a"), text_message("two", "b")};
  EXPECT_THROW(scorer.score_batch(messages), Error);
  EXPECT_EQ(scorer.state().size(), 0u);
  EXPECT_EQ(scorer.score(text_message("one", "a")).factors.volume, 0.1);
  EXPECT_EQ(scorer.state().observe("a", 0.1).earlier_messages, 1u);
}

}  // namespace
}  // namespace acgs
