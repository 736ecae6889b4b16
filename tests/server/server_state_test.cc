// `serve --state`: /health reports where agent state lives; with Redis unreachable, /v1/score still
// answers 200, /health says "degraded" (still 200, so a load balancer keeps the replica) and
// acgs2_state_degraded_scorings_total counts the messages. Redis coming back is covered by
// scale_out_test.py and redis_state_store_test.
#include "scorer/redis_test_server.h"
#include "server/server_test_util.h"

namespace acgs::test {
namespace {

using Json = nlohmann::json;

TEST(ServerState, MemoryIsTheDefault) {
  TestServer s;
  const Json health = json_of(s.client().Get("/health"));
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["state"]["backend"], "memory");
}

TEST(ServerState, UnreachableRedisScoresDegraded) {
  server::ServerOptions o = tiny_options();
  o.state = "redis://127.0.0.1:" + std::to_string(free_port()) + "/0";
  TestServer s(o);
  const auto health = s.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const Json h = json_of(health);
  EXPECT_EQ(h["status"], "degraded");
  EXPECT_EQ(h["state"]["backend"], "redis");
  EXPECT_EQ(h["state"]["url"], o.state);
  EXPECT_NE(h["state"]["last_error"].get<std::string>().find("cannot be reached"), std::string::npos) << h.dump();

  const auto scored = s.client().Post(
      "/v1/score", R"({"messages":[{"content":"security breach","from_agent":"a"},{"content":"ok","from_agent":"a"}]})",
      "application/json");
  ASSERT_TRUE(scored);
  EXPECT_EQ(scored->status, 200) << scored->body;
  const Json results = json_of(scored)["results"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1]["factors"]["volume"], 0.1);  // local state still counts: one earlier message
  EXPECT_GT(results[1]["factors"]["drift"].get<double>(), 0.0);

  const auto metrics = s.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metric_value(metrics->body, "acgs2_state_degraded_scorings_total"), 2) << metrics->body;
  EXPECT_EQ(json_of(s.client().Get("/health"))["state"]["degraded_observations"], 2);
}

}  // namespace
}  // namespace acgs::test
