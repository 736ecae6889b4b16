// 64 concurrent keep-alive clients send random-length texts; every reply must equal the reply the same
// text got alone, and the batcher must have merged requests (acgs2_batch_size histogram).
#include <random>
#include <thread>

#include "server/server_test_util.h"

namespace acgs::test {
namespace {

std::string random_text(std::mt19937& rng) {
  static const char* kWords[] = {"agent", "deploy", "critical", "weather", "the", "policy", "audit",
                                 "rollback", "budget", "emergency", "report", "zebra", "network", "hello"};
  std::uniform_int_distribution<int> length(1, 150), word(0, 13);
  std::string text;
  for (int i = length(rng); i > 0; --i) text += std::string(kWords[word(rng)]) + " ";
  return text;
}

TEST(ServerConcurrency, SixtyFourClientsGetTheirOwnResults) {
  server::ServerOptions o = tiny_options();
  TestServer s(o);
  constexpr int kClients = 64, kPerClient = 4;
  std::mt19937 rng(42);
  std::vector<std::string> texts;
  for (int i = 0; i < kClients * kPerClient; ++i) texts.push_back(random_text(rng));

  const auto embed = [](httplib::Client& c, const std::string& text) {
    const auto r = c.Post("/embed", nlohmann::json{{"inputs", text}, {"truncate", true}}.dump(), "application/json");
    if (!r) return "HTTP error: " + httplib::to_string(r.error());
    return r->status == 200 ? r->body : "HTTP error: " + std::to_string(r->status) + " " + r->body;
  };
  std::vector<std::string> alone(texts.size());
  {
    auto c = s.client();
    for (size_t i = 0; i < texts.size(); ++i) alone[i] = embed(c, texts[i]);
  }
  const auto before = s.client().Get("/metrics");
  ASSERT_TRUE(before);
  const double batches_before = metric_value(before->body, "acgs2_batch_size_count");
  const double single_before = metric_value(before->body, "acgs2_batch_size_bucket{le=\"1.0\"}");
  EXPECT_EQ(batches_before, single_before) << "sequential requests must run one per batch";

  std::vector<std::string> together(texts.size());
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto client = s.client();
      for (int i = 0; i < kPerClient; ++i) {
        const size_t k = size_t(c) * kPerClient + size_t(i);
        together[k] = embed(client, texts[k]);
      }
    });
  }
  for (auto& t : clients) t.join();
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_FALSE(alone[i].starts_with("HTTP error")) << i << ": " << alone[i];
    ASSERT_FALSE(together[i].starts_with("HTTP error")) << i << ": " << together[i];
    const auto a = nlohmann::json::parse(alone[i]), b = nlohmann::json::parse(together[i]);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u) << together[i];
    ASSERT_EQ(a[0].size(), b[0].size());
    for (size_t j = 0; j < a[0].size(); ++j) ASSERT_NEAR(a[0][j].get<float>(), b[0][j].get<float>(), 1e-6f) << i;
  }
  const auto after = s.client().Get("/metrics");
  ASSERT_TRUE(after);
  const double batches = metric_value(after->body, "acgs2_batch_size_count") - batches_before;
  const double single = metric_value(after->body, "acgs2_batch_size_bucket{le=\"1.0\"}") - single_before;
  EXPECT_GT(batches - single, 0) << "no batch held more than one request:\n" << after->body;
  EXPECT_LT(batches, double(texts.size()));
  std::printf("concurrent phase: %d requests in %.0f batches (%.0f of one request)\n", int(texts.size()), batches,
              single);
}

}  // namespace
}  // namespace acgs::test
