// The eight ACGS-2 sample messages (tests/scorer/samples.jsonl) in heuristic mode, with every expected
// value derived by hand from the scoring rules (issue 6), not from the implementation.
//
// Weights: semantic .3, permission .2, volume .1, context .1, drift .1, priority .1, type .1.
// Keyword hits are counted on the lowercased text "content text + ' ' + payload.message".
#include <gtest/gtest.h>

#include "scorer/impact_scorer.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

struct Expected {
  const char* name;
  ImpactFactors factors;  // semantic, permission, volume, context, drift, priority, type
  double score;
  bool deliberation;
};

// Each sample scored as its agent's first message: volume 0.1 (0 earlier messages), drift 0.
const Expected kFirstMessage[] = {
    // "critical: security breach detected on node-7, attacker exfiltrating credentials emergency lockdown
    // requested": critical, security, breach, attack(er), emergency = 5 hits → 1.0. Tools execute_isolation
    // (execute → 0.9), send_notification (send → 0.5) → 0.9. priority "critical" → 1.0; type "command" → 0.4.
    // Σ = .3 + .18 + .01 + .02 + 0 + .1 + .04 = 0.65; priority ≥ 0.9 → at least 0.9; semantic ≥ 0.8 →
    // at least 0.8 → 0.9 ≥ 0.8: deliberation.
    {"critical breach", {1.0, 0.9, 0.1, 0.2, 0.0, 1.0, 0.4}, 0.9, true},
    // "governance policy violation reported for agent planner-3 constitutional review step was skipped":
    // governance, policy, violation = 3 → 0.8. No tools → 0.1. "high" → 0.7. "governance_request" → 0.8.
    // Σ = .24 + .02 + .01 + .02 + 0 + .07 + .08 = 0.44; semantic 0.8 ≥ 0.8 → 0.8 ≥ 0.8: deliberation.
    {"governance violation", {0.8, 0.1, 0.1, 0.2, 0.0, 0.7, 0.8}, 0.8, true},
    // "unauthorized transfer of 50000 usdc to external wallet initiated outside approved window":
    // unauthorized, transfer = 2 → 0.5. submit_transaction (submit) → 0.9. amount 50000 > 1000 → 0.6.
    // context.priority "2" overrides message "medium" → 0.7. "command" → 0.4.
    // Σ = .15 + .18 + .01 + .06 + 0 + .07 + .04 = 0.51.
    {"unauthorized transfer", {0.5, 0.9, 0.1, 0.6, 0.0, 0.7, 0.4}, 0.51, false},
    // "quarterly compliance check: audit of data-retention rules scheduled": compliance, audit = 2 → 0.5.
    // read_records, list_policies → 0.2. "normal" → 0.5. "constitutional_validation" → 0.8.
    // Σ = .15 + .04 + .01 + .02 + 0 + .05 + .08 = 0.35.
    {"compliance check", {0.5, 0.2, 0.1, 0.2, 0.0, 0.5, 0.8}, 0.35, false},
    // "latency anomaly on inference pool: p99 at 480 ms investigating abnormal gc pauses": abnormal = 1
    // → 0.5. get_metrics → 0.2. priority 2 (integer) → "2" → 0.7. "event" → 0.2.
    // Σ = .15 + .04 + .01 + .02 + 0 + .07 + .02 = 0.31.
    {"performance anomaly", {0.5, 0.2, 0.1, 0.2, 0.0, 0.7, 0.2}, 0.31, false},
    // "health check ok: all services responding": no hits → 0.1. No tools → 0.1. No priority → 0.5.
    // "heartbeat" → 0.2. Σ = .03 + .02 + .01 + .02 + 0 + .05 + .02 = 0.15.
    {"health check", {0.1, 0.1, 0.1, 0.2, 0.0, 0.5, 0.2}, 0.15, false},
    // "update display name and avatar for user 1182": 0.1. update_profile (update) → 0.5. priority 1 → 0.5.
    // "command" → 0.4. Σ = .03 + .1 + .01 + .02 + 0 + .05 + .04 = 0.25.
    {"profile update", {0.1, 0.5, 0.1, 0.2, 0.0, 0.5, 0.4}, 0.25, false},
    // "refresh embedding cache for tenant acme": 0.1. cache_refresh → 0.1. "low" → 0.2. "maintenance" → 0.2.
    // Σ = .03 + .02 + .01 + .02 + 0 + .02 + .02 = 0.12.
    {"cache refresh", {0.1, 0.1, 0.1, 0.2, 0.0, 0.2, 0.2}, 0.12, false},
};

constexpr double kTol = 1e-12;

void expect_factors(const ImpactFactors& got, const ImpactFactors& want, const std::string& where) {
  EXPECT_NEAR(got.semantic, want.semantic, kTol) << where;
  EXPECT_NEAR(got.permission, want.permission, kTol) << where;
  EXPECT_NEAR(got.volume, want.volume, kTol) << where;
  EXPECT_NEAR(got.context, want.context, kTol) << where;
  EXPECT_NEAR(got.drift, want.drift, kTol) << where;
  EXPECT_NEAR(got.priority, want.priority, kTol) << where;
  EXPECT_NEAR(got.type, want.type, kTol) << where;
}

TEST(ScorerSamples, EachSampleAsFirstMessageOfItsAgent) {
  const auto samples = test::load_samples();
  ASSERT_EQ(samples.size(), std::size(kFirstMessage));
  ImpactScorer scorer;  // heuristic mode; every sample has a different agent
  for (size_t i = 0; i < samples.size(); ++i) {
    const Expected& want = kFirstMessage[i];
    const ImpactResult got = scorer.score(samples[i].message, samples[i].context);
    expect_factors(got.factors, want.factors, want.name);
    EXPECT_NEAR(got.score, want.score, kTol) << want.name;
    EXPECT_EQ(got.requires_deliberation, want.deliberation) << want.name;
    EXPECT_NE(got.recommendation.find(want.deliberation ? "Requires deliberation" : "No deliberation"),
              std::string::npos)
        << want.name << ": " << got.recommendation;
  }
}

TEST(ScorerSamples, RecommendationNamesTheBoostAndTopFactors) {
  const auto samples = test::load_samples();
  ImpactScorer scorer;
  const auto breach = scorer.score(samples[0].message, samples[0].context);
  EXPECT_NE(breach.recommendation.find("Critical-priority boost"), std::string::npos) << breach.recommendation;
  EXPECT_NE(breach.recommendation.find("Top factors: semantic"), std::string::npos) << breach.recommendation;
  const auto governance = scorer.score(samples[1].message, samples[1].context);
  EXPECT_NE(governance.recommendation.find("High-semantic boost"), std::string::npos) << governance.recommendation;
  const auto transfer = scorer.score(samples[2].message, samples[2].context);
  EXPECT_EQ(transfer.recommendation.find("boost"), std::string::npos) << transfer.recommendation;
}

// All eight from one agent (context.agent_id "bus-router"), in file order. Volume stays 0.1 (0..7 earlier
// messages). Semantic sequence 1.0, 0.8, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1; drift = min(1, 2·|s − mean(history)|):
//   m1: first → 0                       history {1}
//   m2: mean 1          |0.8−1|   = .2   → 0.4
//   m3: mean 0.9        |0.5−0.9| = .4   → 0.8
//   m4: mean 2.3/3      |0.5−.7667| = .2667 → 0.5333…
//   m5: mean 2.8/4 = .7 |0.5−0.7| = .2   → 0.4
//   m6: mean 3.3/5 = .66 |0.1−.66| = .56  → 1.12 → 1.0
//   m7: mean 3.4/6      |0.1−.5667| = .4667 → 0.9333…
//   m8: mean 3.5/7 = .5 |0.1−0.5| = .4   → 0.8
// Score = first-message score + 0.1·drift, then boosts: m1 0.65 → 0.9; m2 0.44 + .04 = 0.48 → 0.8;
// m3 0.51 + .08 = 0.59; m4 0.35 + .05333 = 0.40333; m5 0.31 + .04 = 0.35; m6 0.15 + .1 = 0.25;
// m7 0.25 + .09333 = 0.34333; m8 0.12 + .08 = 0.2.
TEST(ScorerSamples, SequenceFromOneAgentAccumulatesDrift) {
  auto samples = test::load_samples();
  for (auto& s : samples) s.context.agent_id = "bus-router";
  const double drift[] = {0.0, 0.4, 0.8, 0.8 / 1.5, 0.4, 1.0, 1.4 / 1.5, 0.8};
  const double score[] = {0.9, 0.8, 0.59, 0.35 + 0.08 / 1.5, 0.35, 0.25, 0.25 + 0.14 / 1.5, 0.2};
  ImpactScorer scorer;
  for (size_t i = 0; i < samples.size(); ++i) {
    const ImpactResult got = scorer.score(samples[i].message, samples[i].context);
    ImpactFactors want = kFirstMessage[i].factors;
    want.drift = drift[i];
    expect_factors(got.factors, want, kFirstMessage[i].name);
    EXPECT_NEAR(got.score, score[i], kTol) << kFirstMessage[i].name;
    EXPECT_EQ(got.requires_deliberation, i < 2) << kFirstMessage[i].name;
  }
}

// 25 health checks from one agent: semantic 0.1 every time, so drift is |0.1 − 0.1|·2 = 0. Volume counts
// earlier messages: 0..19 → 0.1, 20..24 → 0.2 (the 21st message crosses "≥ 20").
// Score 0.15 for the first 20, then 0.15 + 0.1·(0.2 − 0.1) = 0.16.
TEST(ScorerSamples, VolumeCrossesTwentyOnTheTwentyFirstMessage) {
  const auto health = test::load_samples()[5];
  ImpactScorer scorer;
  for (int i = 0; i < 25; ++i) {
    const ImpactResult got = scorer.score(health.message, health.context);
    EXPECT_NEAR(got.factors.volume, i < 20 ? 0.1 : 0.2, kTol) << "message " << i + 1;
    EXPECT_NEAR(got.factors.drift, 0.0, kTol) << "message " << i + 1;
    EXPECT_NEAR(got.score, i < 20 ? 0.15 : 0.16, kTol) << "message " << i + 1;
  }
}

// The other volume edges through the scorer: earlier-message counts 49/50 and 149/150.
TEST(ScorerSamples, VolumeTiersAtFiftyAndOneFifty) {
  const auto update = test::load_samples()[6];
  ImpactScorer scorer;
  for (int earlier = 0; earlier <= 151; ++earlier) {
    const double volume = scorer.score(update.message, update.context).factors.volume;
    const double want = earlier >= 150 ? 1.0 : earlier >= 50 ? 0.5 : earlier >= 20 ? 0.2 : 0.1;
    ASSERT_NEAR(volume, want, kTol) << earlier << " earlier messages";
  }
}

}  // namespace
}  // namespace acgs
