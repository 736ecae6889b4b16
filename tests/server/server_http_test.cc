// The real HTTP server (in-process, loopback, free port) with the tiny model: every endpoint, every error
// status, and /health still 200 after each bad request. Embeddings are checked against Engine::embed on
// the same model (the engine itself is checked against PyTorch in tests/engine and tests/backend).
#include <chrono>
#include <cmath>
#include <cstring>

#include "server/server_test_util.h"

namespace acgs::test {
namespace {

using Json = nlohmann::json;
constexpr const char* kHash = "cdd01ef066bc6cf2";

class ServerHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static httplib::Client client() { return server_->client(); }
  static httplib::Result post(const std::string& path, const std::string& body, httplib::Headers headers = {}) {
    return client().Post(path.c_str(), headers, body, "application/json");
  }
  // The error reply's status; also checks it is a JSON error naming `field` (when given) and that the
  // server still answers /health afterwards.
  static void expect_error(const httplib::Result& r, int status, const std::string& field = "") {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const Json body = Json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    EXPECT_TRUE(body["error"].is_string()) << r->body;
    if (!field.empty()) {
      EXPECT_EQ(body.value("field", ""), field) << r->body;
    }
    const auto health = client().Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
  }
  static std::vector<float> engine_embedding(const std::string& text, bool normalize) {
    static const std::unique_ptr<Engine> engine = [] {
      EngineOptions o;
      o.backend = "reference";
      return Engine::open(tiny_model_dir().string(), o);
    }();
    EmbedOptions e;
    e.normalize = normalize;
    return engine->embed(std::span(&text, 1), e);
  }
  static TestServer* server_;
};
TestServer* ServerHttp::server_ = nullptr;

void expect_close(const Json& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i].get<float>(), want[i], 1e-5f) << i;
}

TEST_F(ServerHttp, HealthInfoStatusMetrics) {
  const auto health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  const Json info = json_of(client().Get("/info"));
  EXPECT_EQ(info["max_input_length"], 128);
  EXPECT_EQ(info["backend"], "reference");
  EXPECT_EQ(info["max_client_batch_size"], 32);
  const Json status = json_of(client().Get("/v1/status"));
  EXPECT_EQ(status["active_backend"], "reference");
  EXPECT_EQ(status["constitutional_hash"], kHash);
  const auto metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("acgs2_backend_info{backend=\"reference\""), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("acgs2_model_inference_total{model_name=\"distilbert\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("acgs2_http_requests_total{endpoint=\"/info\",status=\"200\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE acgs2_batch_tokens histogram"), std::string::npos);
}

TEST(ServerMetrics, ProcessMetricsBeforeTheFirstRequest) {
  TestServer s;
  const auto m = s.client().Get("/metrics");  // the server's first request
  ASSERT_TRUE(m);
  EXPECT_GT(metric_value(m->body, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(metric_value(m->body, "process_cpu_seconds_total"), 0);  // warm-up ran the model
  EXPECT_GE(metric_value(m->body, "process_open_fds"), 4);           // stdio and the listening socket
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = metric_value(m->body, "process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600);
}

TEST_F(ServerHttp, EmbedMatchesEngine) {
  const Json one = json_of(post("/embed", R"({"inputs":"The agent requests admin access."})"));
  ASSERT_EQ(one.size(), 1u);
  expect_close(one[0], engine_embedding("The agent requests admin access.", true));
  const Json two = json_of(post("/embed", R"({"inputs":["hello world","b"],"normalize":false})"));
  ASSERT_EQ(two.size(), 2u);
  expect_close(two[0], engine_embedding("hello world", false));
  expect_close(two[1], engine_embedding("b", false));
}

TEST_F(ServerHttp, TruncationSides) {
  std::string words;
  for (int i = 0; i < 200; ++i) {
    words += 'w';
    words += std::to_string(i);
    words += ' ';
  }
  expect_error(post("/embed", Json{{"inputs", words}}.dump()), 413, "inputs");
  expect_error(post("/embed", Json{{"inputs", {"ok", words}}}.dump()), 413, "inputs[1]");
  const Json right = json_of(post("/embed", Json{{"inputs", words}, {"truncate", true}}.dump()));
  expect_close(right[0], engine_embedding(words, true));  // the engine truncates on the right, like HF
  const Json left =
      json_of(post("/embed", Json{{"inputs", words}, {"truncate", true}, {"truncation_direction", "left"}}.dump()));
  EXPECT_GT(std::fabs(left[0][0].get<float>() - right[0][0].get<float>()), 0.0f);
}

TEST_F(ServerHttp, OpenAiEmbeddings) {
  const Json r = json_of(post("/v1/embeddings", R"({"input":["hello world","b"],"model":"tiny"})"));
  EXPECT_EQ(r["object"], "list");
  EXPECT_EQ(r["model"], "tiny");
  ASSERT_EQ(r["data"].size(), 2u);
  EXPECT_EQ(r["data"][1]["object"], "embedding");
  EXPECT_EQ(r["data"][1]["index"], 1);
  expect_close(r["data"][0]["embedding"], engine_embedding("hello world", true));
  // [CLS] hello world [SEP] + [CLS] b [SEP]
  EXPECT_EQ(r["usage"]["prompt_tokens"], 7);
  EXPECT_EQ(r["usage"]["total_tokens"], 7);
  const Json b64 = json_of(post("/v1/embeddings", R"({"input":"hello world","encoding_format":"base64"})"));
  const std::string text = b64["data"][0]["embedding"].get<std::string>();
  // Decode standard base64 to little-endian float32 and compare.
  std::vector<unsigned char> raw;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    acc = (acc << 6) | uint32_t(std::strchr(alphabet, c) - alphabet);
    bits += 6;
    if (bits >= 8) raw.push_back(static_cast<unsigned char>(acc >> (bits -= 8)));
  }
  const std::vector<float> want = engine_embedding("hello world", true);
  ASSERT_EQ(raw.size(), want.size() * 4);
  std::vector<float> got(want.size());
  std::memcpy(got.data(), raw.data(), raw.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f);
}

TEST_F(ServerHttp, Tokenize) {
  const Json r = json_of(post("/tokenize", R"({"inputs":"Hello world"})"));
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].size(), 4u);
  EXPECT_EQ(r[0][0]["id"], 101);
  EXPECT_EQ(r[0][0]["text"], "[CLS]");
  EXPECT_EQ(r[0][0]["special"], true);
  EXPECT_EQ(r[0][1]["id"], 7592);  // bert-base-uncased "hello"
  EXPECT_EQ(r[0][1]["text"], "hello");
  EXPECT_EQ(r[0][2]["id"], 2088);  // "world"
  EXPECT_EQ(r[0][3]["text"], "[SEP]");
  const Json plain = json_of(post("/tokenize", R"({"inputs":["Hello world"],"add_special_tokens":false})"));
  ASSERT_EQ(plain[0].size(), 2u);
  EXPECT_EQ(plain[0][0]["special"], false);
}

TEST_F(ServerHttp, Score) {
  const Json one = json_of(post(
      "/v1/score", R"({"message":{"content":"CRITICAL: emergency shutdown of production","priority":"critical"},
                      "context":{"agent_id":"agent-1"}})"));
  ASSERT_TRUE(one.is_object()) << one;
  EXPECT_GE(one["score"].get<double>(), 0.9);
  EXPECT_TRUE(one["requires_deliberation"].get<bool>());
  EXPECT_TRUE(one["factors"].contains("semantic"));
  const Json many = json_of(post("/v1/score", R"({"messages":[{"content":"hello"},{"content":"weather report"}],
                                                  "contexts":[{"agent_id":"a"},{"agent_id":"b"}]})"));
  ASSERT_EQ(many["results"].size(), 2u);
  EXPECT_LT(many["results"][0]["score"].get<double>(), 0.8);
  EXPECT_EQ(many["mode"], "reference");
  expect_error(post("/v1/score", R"({"messages":[{"content":"a"}],"contexts":[]})"), 400, "contexts");
  expect_error(post("/v1/score", R"({"message":{"content":"a","constitutional_hash":"nope"}})"), 403);
}

TEST_F(ServerHttp, ErrorStatuses) {
  expect_error(post("/embed", R"({"inputs": )"), 400);
  expect_error(post("/embed", R"({"inputs": 12})"), 400, "inputs");
  expect_error(post("/embed", R"({"inputs": ["a", null]})"), 400, "inputs[1]");
  expect_error(post("/embed", R"({"inputs": "a", "normalize": 1})"), 400, "normalize");
  expect_error(post("/v1/embeddings", R"({"input": "a", "encoding_format": "hex"})"), 400, "encoding_format");
  expect_error(post("/tokenize", R"({"inputs": {}})"), 400, "inputs");
  expect_error(post("/embed", "{\"inputs\": \"bad \xc3\x28 utf8\"}"), 422);
  expect_error(post("/embed", R"({"inputs": "lone \udc80 surrogate"})"), 422);
  Json many;
  many["inputs"] = std::vector<std::string>(33, "x");
  expect_error(post("/embed", many.dump()), 413, "inputs");
  expect_error(post("/embed", R"({"inputs":"a","constitutional_hash":"0000000000000000"})"), 403, "constitutional_hash");
  expect_error(post("/embed", R"({"inputs":"a"})", {{"X-Constitutional-Hash", "wrong"}}), 403);
  const auto ok = post("/embed", R"({"inputs":"a","constitutional_hash":"cdd01ef066bc6cf2"})",
                       {{"X-Constitutional-Hash", kHash}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  expect_error(client().Get("/nope"), 404);
}

TEST_F(ServerHttp, PayloadLimit) {
  const std::string big = Json{{"inputs", std::string(2'100'000, 'a')}}.dump();
  expect_error(post("/embed", big), 413);
  // A chunked body has no Content-Length; the bounded reader must still stop it.
  auto c = client();
  size_t sent = 0;
  const auto r = c.Post(
      "/embed",
      [&](size_t, httplib::DataSink& sink) {
        const std::string chunk(100'000, 'a');
        if (sent == 0) sink.write("{\"inputs\":\"", 11);
        if (sent < 3'000'000) {
          sink.write(chunk.data(), chunk.size());
          sent += chunk.size();
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  if (r) {
    EXPECT_EQ(r->status, 413);  // the server may also close the connection mid-upload
  }
  const auto health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServerAuth, ApiKeyAndRequiredHash) {
  server::ServerOptions o = tiny_options();
  o.api_key = "k3y";
  o.require_constitutional_hash = true;
  TestServer s(o);
  auto c = s.client();
  const auto no_key = c.Post("/embed", R"({"inputs":"a"})", "application/json");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 401);
  const auto bad_key = c.Post("/embed", {{"Authorization", "Bearer k3z"}}, R"({"inputs":"a"})", "application/json");
  ASSERT_TRUE(bad_key);
  EXPECT_EQ(bad_key->status, 401);
  const auto no_hash = c.Post("/embed", {{"Authorization", "Bearer k3y"}}, R"({"inputs":"a"})", "application/json");
  ASSERT_TRUE(no_hash);
  EXPECT_EQ(no_hash->status, 403);
  const auto ok = c.Post("/embed", {{"Authorization", "Bearer k3y"}, {"X-Constitutional-Hash", kHash}},
                         R"({"inputs":"a"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  const auto status = c.Get("/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 401);
  const auto health = c.Get("/health");  // probes need no key
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServerBackpressure, QueueFullIs429WithRetryAfter) {
  server::ServerOptions o = tiny_options();
  o.max_concurrent_requests = 1;
  o.max_batch_delay_us = 1'500'000;  // the first request waits in the queue long enough to collide with
  TestServer s(o);
  std::thread first([&] {
    const auto r = s.client().Post("/embed", R"({"inputs":"first"})", "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  });
  // Wait until the first request is queued.
  bool queued = false;
  for (int i = 0; i < 1000 && !queued; ++i) {
    const auto m = s.client().Get("/metrics");
    queued = m && metric_value(m->body, "acgs2_queue_depth") == 1;
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto second = s.client().Post("/embed", R"({"inputs":"second"})", "application/json");
  EXPECT_TRUE(queued) << "the first request never showed in acgs2_queue_depth";
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429) << second->body;
  EXPECT_EQ(second->get_header_value("Retry-After"), "1");
  first.join();
  const auto health = s.client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace acgs::test
