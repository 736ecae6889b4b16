// ScoringConfig: defaults, JSON loading (file and object), validation errors naming the field.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "scorer/impact_scorer.h"
#include "scorer/scoring_config.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;

TEST(ScorerConfig, DefaultsAreTheOriginal) {
  const ScoringConfig c;
  EXPECT_EQ(c.weights.semantic, 0.3);
  EXPECT_EQ(c.weights.permission, 0.2);
  EXPECT_EQ(c.keywords.size(), 28u);
  EXPECT_EQ(c.critical_priority.trigger, 0.9);
  EXPECT_EQ(c.high_semantic.floor, 0.8);
  EXPECT_EQ(c.deliberation_threshold, 0.8);
  EXPECT_EQ(c.state.drift_history, 20u);
  EXPECT_EQ(c.embedding.max_length, 128);
  EXPECT_NO_THROW(c.validate());
}

TEST(ScorerConfig, JsonRoundTrip) {
  ScoringConfig c;
  c.weights.drift = 0.25;
  c.keywords = {"alpha", "beta"};
  c.state.max_agents = 7;
  const ScoringConfig back = scoring_config_from_json(scoring_config_to_json(c));
  EXPECT_EQ(scoring_config_to_json(back), scoring_config_to_json(c));
}

TEST(ScorerConfig, LoadsAFileAndChangesScoring) {
  const auto path = test::temp_path("acgs_scorer_config_test.json");
  std::ofstream(path) << R"({"weights": {"semantic": 1.0, "permission": 0, "volume": 0, "context": 0,
                                         "drift": 0, "priority": 0, "type": 0},
                             "boosts": {"high_semantic": {"trigger": 1.0, "floor": 1.0}},
                             "deliberation_threshold": 0.5, "keywords": ["zebra"],
                             "state": {"max_agents": 10, "idle_ttl_seconds": 0}})";
  const ScoringConfig c = load_scoring_config(path);
  std::filesystem::remove(path);
  EXPECT_EQ(c.keywords, std::vector<std::string>{"zebra"});
  EXPECT_EQ(c.state.max_agents, 10u);
  EXPECT_EQ(c.state.idle_ttl_seconds, 0.0);
  EXPECT_EQ(c.weights.semantic, 1.0);
  EXPECT_EQ(c.high_semantic.trigger, 1.0);
  EXPECT_EQ(c.critical_priority.floor, 0.9);  // untouched keys keep their defaults

  ImpactScorer scorer(c);
  ScoringMessage m;
  m.content = "A Zebra crossing";  // one hit → 0.5; score = 1.0·0.5 = 0.5 ≥ 0.5
  const ImpactResult r = scorer.score(m);
  EXPECT_DOUBLE_EQ(r.score, 0.5);
  EXPECT_TRUE(r.requires_deliberation);
  m.content = "critical security breach";  // default keywords are gone → 0.1
  EXPECT_DOUBLE_EQ(scorer.score(m).score, 0.1);
}

void expect_invalid(const char* text, const std::string& field) {
  try {
    scoring_config_from_json(json::parse(text), "cfg.json");
    ADD_FAILURE() << "accepted " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    const std::string what = e.what();
    EXPECT_NE(what.find(field), std::string::npos) << what;
    EXPECT_NE(what.find("cfg.json"), std::string::npos) << what;
  }
}

TEST(ScorerConfig, ValidationNamesTheField) {
  expect_invalid(R"({"weights": {"semantic": -0.1}})", "weights.semantic");
  expect_invalid(R"({"weights": {"semantc": 0.1}})", "cfg.json.weights.semantc");
  expect_invalid(R"({"weights": {"type": "big"}})", "weights.type");
  expect_invalid(R"({"boosts": {"critical_priority": {"floor": 1.5}}})", "boosts.critical_priority.floor");
  expect_invalid(R"({"deliberation_threshold": -1})", "deliberation_threshold");
  expect_invalid(R"({"keywords": []})", "keywords");
  expect_invalid(R"({"keywords": ["ok", ""]})", "keywords[1]");
  expect_invalid(R"({"keywords": ["Breach"]})", "keywords[0]");
  expect_invalid(R"({"keywords": [1]})", "keywords[0]");
  expect_invalid(R"({"embedding": {"scale": 2}})", "embedding.scale");
  expect_invalid(R"({"embedding": {"max_length": 1}})", "embedding.max_length");
  expect_invalid(R"({"state": {"max_agents": 0}})", "state.max_agents");
  expect_invalid(R"({"state": {"max_agents": -3}})", "state.max_agents");
  expect_invalid(R"({"state": {"drift_history": 0}})", "state.drift_history");
  expect_invalid(R"({"state": {"idle_ttl_seconds": -1}})", "state.idle_ttl_seconds");
  expect_invalid(R"([1])", "cfg.json");
}

TEST(ScorerConfig, MissingOrMalformedFile) {
  EXPECT_THROW(load_scoring_config("/nonexistent/scoring.json"), Error);
  const auto path = test::temp_path("acgs_scorer_bad_config.json");
  std::ofstream(path) << "{not json";
  EXPECT_THROW(load_scoring_config(path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace acgs
