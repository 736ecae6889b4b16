// Each factor at its edges, straight from the rules in issue 6.
#include <gtest/gtest.h>

#include "scorer/factors.h"
#include "scorer/python_text.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

using test::message_from;

const std::vector<std::string> kKeywords = default_keywords();

TEST(ScorerFactors, KeywordTiers) {
  EXPECT_EQ(keyword_score("", kKeywords), 0.0);
  EXPECT_EQ(keyword_score("routine status", kKeywords), 0.1);
  EXPECT_EQ(keyword_score("alert", kKeywords), 0.5);
  EXPECT_EQ(keyword_score("alert risk", kKeywords), 0.5);
  EXPECT_EQ(keyword_score("alert risk audit", kKeywords), 0.8);
  EXPECT_EQ(keyword_score("alert risk audit legal", kKeywords), 0.8);
  EXPECT_EQ(keyword_score("alert risk audit legal policy", kKeywords), 1.0);
  // Substring matches, each keyword counted once however often it occurs.
  EXPECT_EQ(keyword_score("asterisk illegal auditorium", kKeywords), 0.8);
  EXPECT_EQ(keyword_score("risk risk risk risk risk", kKeywords), 0.5);
  EXPECT_EQ(keyword_score("the 28 keywords", kKeywords), 0.1);
}

TEST(ScorerFactors, SemanticTextIsLoweredAndStripped) {
  EXPECT_EQ(normalized_text(message_from(R"({"content": "  SECURITY Alert\n", "payload": {"message": "X"}})")),
            "security alert\n x");
  EXPECT_EQ(normalized_text(message_from(R"({"content": {"text": "A"}, "payload": {"message": "B"}})")), "a b");
  EXPECT_EQ(normalized_text(message_from(R"({"payload": {"message": " Only payload "}})")), "only payload");
  EXPECT_EQ(normalized_text(message_from(R"({"content": " \u00a0\u3000\t"})")), "");  // Unicode spaces strip
  EXPECT_EQ(normalized_text(message_from(R"({})")), "");
  // An object without "text" contributes its JSON (the original matched Python's str() of it).
  EXPECT_EQ(keyword_score(normalized_text(message_from(R"({"content": {"action": "Transfer"}})")), kKeywords), 0.5);
}

TEST(ScorerFactors, PythonLowerAndStrip) {
  EXPECT_EQ(python_lower("ÀÉÎ CRITICAL"), "àéî critical");
  EXPECT_EQ(python_lower("ATTAC\u212a"), "attack");  // KELVIN SIGN lowercases to ASCII k
  EXPECT_EQ(python_lower("\u0130"), "i\u0307");      // İ → i + combining dot (Python full mapping)
  EXPECT_EQ(python_strip("\u2003\u00a0 x y \u2029\x1c"), "x y");
  EXPECT_EQ(python_strip("\u200bx\u200b"), "\u200bx\u200b");  // ZERO WIDTH SPACE is not whitespace
  EXPECT_EQ(python_strip(""), "");
}

TEST(ScorerFactors, EmbeddingThresholds) {
  const EmbeddingRule rule;
  // Keyword score < 0.3: the similarity must reach 0.95 to count as is.
  EXPECT_DOUBLE_EQ(embedding_score(0.95, 0.1, rule), 0.95);
  EXPECT_DOUBLE_EQ(embedding_score(0.94, 0.1, rule), 0.94 * 0.3);
  // Otherwise 0.85.
  EXPECT_DOUBLE_EQ(embedding_score(0.85, 0.5, rule), 0.85);
  EXPECT_DOUBLE_EQ(embedding_score(0.84, 0.5, rule), 0.84 * 0.3);
  EXPECT_DOUBLE_EQ(embedding_score(0.90, 0.3, rule), 0.90);  // 0.3 is not < 0.3
}

TEST(ScorerFactors, PermissionTiers) {
  EXPECT_EQ(permission_factor({}), 0.1);
  const std::vector<std::string> none = {"cache_refresh", ""};
  EXPECT_EQ(permission_factor(none), 0.1);
  for (const char* t : {"read_file", "GET_status", "list", "viewer"}) {
    const std::vector<std::string> tools = {t};
    EXPECT_EQ(permission_factor(tools), 0.2) << t;
  }
  for (const char* t : {"send_mail", "Update", "modify_acl"}) {
    const std::vector<std::string> tools = {t};
    EXPECT_EQ(permission_factor(tools), 0.5) << t;
  }
  for (const char* t : {"EXECUTE", "delete_user", "write", "submit_tx", "transfer_funds"}) {
    const std::vector<std::string> tools = {t};
    EXPECT_EQ(permission_factor(tools), 0.9) << t;
  }
  // First matching tier per tool ("read_and_write" is high risk), max over tools.
  const std::vector<std::string> mixed = {"read_and_write"};
  EXPECT_EQ(permission_factor(mixed), 0.9);
  const std::vector<std::string> several = {"get_x", "send_y", "view_z"};
  EXPECT_EQ(permission_factor(several), 0.5);
  // Tool objects without a name count as "" → 0.1.
  EXPECT_EQ(permission_factor(message_from(R"({"tools": [{"kind": "x"}, "list_all"]})").tools), 0.2);
}

TEST(ScorerFactors, VolumeEdges) {
  EXPECT_EQ(volume_factor(0), 0.1);
  EXPECT_EQ(volume_factor(19), 0.1);
  EXPECT_EQ(volume_factor(20), 0.2);
  EXPECT_EQ(volume_factor(49), 0.2);
  EXPECT_EQ(volume_factor(50), 0.5);
  EXPECT_EQ(volume_factor(149), 0.5);
  EXPECT_EQ(volume_factor(150), 1.0);
  EXPECT_EQ(volume_factor(UINT64_MAX), 1.0);
}

TEST(ScorerFactors, ContextAmountEdge) {
  EXPECT_DOUBLE_EQ(context_factor(message_from(R"({})")), 0.2);
  EXPECT_DOUBLE_EQ(context_factor(message_from(R"({"payload": {"amount": 1000}})")), 0.2);
  EXPECT_DOUBLE_EQ(context_factor(message_from(R"({"payload": {"amount": 1000.01}})")), 0.6);
  EXPECT_DOUBLE_EQ(context_factor(message_from(R"({"payload": {"amount": -5000}})")), 0.2);
}

TEST(ScorerFactors, PriorityRules) {
  const auto p = [](const char* v) { return priority_factor(std::optional<std::string>(v)); };
  EXPECT_EQ(priority_factor(std::nullopt), 0.5);
  EXPECT_EQ(p("CRITICAL"), 1.0);
  EXPECT_EQ(p("non-critical"), 1.0);  // substring, as the original
  EXPECT_EQ(p("3"), 1.0);
  EXPECT_EQ(p("High"), 0.7);
  EXPECT_EQ(p("2"), 0.7);
  EXPECT_EQ(p("medium"), 0.5);
  EXPECT_EQ(p("NORMAL"), 0.5);
  EXPECT_EQ(p("1"), 0.5);
  EXPECT_EQ(p("low"), 0.2);
  EXPECT_EQ(p("below"), 0.2);
  EXPECT_EQ(p("0"), 0.2);
  EXPECT_EQ(p("urgent"), 0.5);
  EXPECT_EQ(p("33"), 0.5);       // digits compare whole
  EXPECT_EQ(p("highlow"), 0.7);  // tiers are tested in order
  // Context first, then message; integers are their decimal text.
  const auto m = message_from(R"({"priority": 3})");
  EXPECT_EQ(priority_factor(effective_priority(m, {})), 1.0);
  EXPECT_EQ(priority_factor(effective_priority(m, test::context_from(R"({"priority": "low"})"))), 0.2);
}

TEST(ScorerFactors, TypeRules) {
  const auto t = [](const char* v) { return type_factor(std::optional<std::string>(v)); };
  EXPECT_EQ(type_factor(std::nullopt), 0.2);
  EXPECT_EQ(t("GOVERNANCE_REQUEST"), 0.8);
  EXPECT_EQ(t("constitutional_validation"), 0.8);
  EXPECT_EQ(t("command"), 0.4);
  EXPECT_EQ(t("governance_command"), 0.8);
  EXPECT_EQ(t("query"), 0.2);
  const auto m = message_from(R"({"message_type": "command"})");
  EXPECT_EQ(type_factor(effective_type(m, test::context_from(R"({"message_type": "governance"})"))), 0.8);
}

TEST(ScorerFactors, AgentResolution) {
  const auto m = message_from(R"({"from_agent": "a1"})");
  EXPECT_EQ(agent_of(m, {}), "a1");
  EXPECT_EQ(agent_of(m, test::context_from(R"({"agent_id": "ctx"})")), "ctx");
  EXPECT_EQ(agent_of(message_from("{}"), {}), "anonymous");
}

TEST(ScorerFactors, CombineBoostsAndCap) {
  const ScoringConfig config;
  // All ones: Σ weights = 1.0 → cap keeps 1.0.
  EXPECT_NEAR(combine({1, 1, 1, 1, 1, 1, 1}, config).score, 1.0, 1e-12);
  // Priority exactly at the trigger 0.9 → floor 0.9.
  Combined c = combine({0, 0, 0, 0, 0, 0.9, 0}, config);
  EXPECT_DOUBLE_EQ(c.score, 0.9);
  EXPECT_TRUE(c.priority_boost);
  c = combine({0, 0, 0, 0, 0, 0.89, 0}, config);
  EXPECT_NEAR(c.score, 0.089, 1e-12);
  EXPECT_FALSE(c.priority_boost);
  // Semantic at 0.8 → floor 0.8; at 0.79 no boost.
  c = combine({0.8, 0, 0, 0, 0, 0, 0}, config);
  EXPECT_DOUBLE_EQ(c.score, 0.8);
  EXPECT_TRUE(c.semantic_boost);
  EXPECT_NEAR(combine({0.79, 0, 0, 0, 0, 0, 0}, config).score, 0.237, 1e-12);
  // A weighted sum already above the floor is not "boosted".
  ScoringConfig heavy;
  heavy.weights.semantic = 2.0;
  c = combine({0.8, 0, 0, 0, 0, 0, 0}, heavy);
  EXPECT_DOUBLE_EQ(c.score, 1.0);  // 1.6 capped
  EXPECT_FALSE(c.semantic_boost);
}

}  // namespace
}  // namespace acgs
