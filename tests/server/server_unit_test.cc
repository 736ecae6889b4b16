// Parts of the server that need no model or socket: request parsing and validation, the batcher with a
// fake engine, base64, the API key check and option parsing.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <thread>

#include "common/error.h"
#include "server/api_error.h"
#include "server/auth.h"
#include "server/base64.h"
#include "server/batcher.h"
#include "server/request_parse.h"
#include "server/server_options.h"

namespace acgs::server {
namespace {

using Json = nlohmann::json;

int status_of(const std::function<void()>& fn, std::string* field = nullptr) {
  try {
    fn();
  } catch (const ApiError& e) {
    if (field) *field = e.field();
    return e.status();
  }
  return 200;
}

TEST(RequestParse, EmbedAcceptsStringOrList) {
  const EmbedRequest one = parse_embed_request(Json::parse(R"({"inputs":"hi"})"), {});
  EXPECT_EQ(one.inputs, std::vector<std::string>{"hi"});
  EXPECT_TRUE(one.normalize);
  EXPECT_FALSE(one.truncate);
  const EmbedRequest many = parse_embed_request(
      Json::parse(R"({"inputs":["a","b"],"normalize":false,"truncate":true,"truncation_direction":"Left"})"), {});
  EXPECT_EQ(many.inputs.size(), 2u);
  EXPECT_FALSE(many.normalize);
  EXPECT_EQ(many.side, TruncationSide::kLeft);
}

TEST(RequestParse, WrongTypesName400TheField) {
  std::string field;
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"({"inputs":5})"), {}); }, &field), 400);
  EXPECT_EQ(field, "inputs");
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"({"inputs":["a",3]})"), {}); }, &field), 400);
  EXPECT_EQ(field, "inputs[1]");
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"({"inputs":"a","normalize":"yes"})"), {}); }, &field), 400);
  EXPECT_EQ(field, "normalize");
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"({"inputs":"a","truncation_direction":"up"})"), {}); }, &field),
            400);
  EXPECT_EQ(field, "truncation_direction");
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"([1,2])"), {}); }, &field), 400);
  EXPECT_EQ(status_of([] { parse_embed_request(Json::parse(R"({})"), {}); }, &field), 400);
  EXPECT_EQ(field, "inputs");
  EXPECT_EQ(status_of([] { parse_openai_request(Json::parse(R"({"input":"a","encoding_format":"hex"})"), {}); }, &field),
            400);
  EXPECT_EQ(field, "encoding_format");
  EXPECT_EQ(status_of([] { parse_tokenize_request(Json::parse(R"({"inputs":[]})"), {}); }, &field), 400);
}

TEST(RequestParse, TooManyInputsIs413) {
  Json body;
  body["inputs"] = std::vector<std::string>(5, "x");
  EXPECT_EQ(status_of([&] { parse_embed_request(body, RequestLimits{4}); }), 413);
  EXPECT_EQ(status_of([&] { parse_embed_request(body, RequestLimits{5}); }), 200);
}

TEST(RequestParse, BodyErrors) {
  EXPECT_EQ(status_of([] { parse_json_body("{\"inputs\": "); }), 400);
  EXPECT_EQ(status_of([] { parse_json_body("{\"inputs\": \"\xff\"}"); }), 422);
  EXPECT_EQ(status_of([] { parse_json_body(R"({"inputs": "\ud800"})"); }), 422);
  EXPECT_EQ(status_of([] { parse_json_body(std::string(100, '[') + std::string(100, ']')); }), 400);
  EXPECT_EQ(status_of([] { parse_json_body(R"({"inputs": 1E999})"); }), 400);  // found by fuzz_server_request
  EXPECT_EQ(parse_json_body(R"({"inputs": "\u00e9"})")["inputs"], "\xc3\xa9");
}

TEST(RequestParse, ConstitutionalHash) {
  EXPECT_TRUE(check_body_hash(Json::parse(R"({"constitutional_hash":"cdd01ef066bc6cf2"})")));
  EXPECT_FALSE(check_body_hash(Json::parse(R"({"inputs":"x"})")));
  EXPECT_EQ(status_of([] { check_body_hash(Json::parse(R"({"constitutional_hash":"deadbeef"})")); }), 403);
  EXPECT_EQ(status_of([] { check_body_hash(Json::parse(R"({"constitutional_hash":1})")); }), 400);
  EXPECT_EQ(status_of([] {
              parse_score_request(Json::parse(R"({"message":{"content":"x","constitutional_hash":"bad"}})"), {});
            }),
            403);
}

TEST(RequestParse, ScoreForms) {
  const ScoreRequest one = parse_score_request(
      Json::parse(R"({"message":{"content":"delete prod"},"context":{"agent_id":"a"}})"), {});
  EXPECT_TRUE(one.single);
  ASSERT_EQ(one.contexts.size(), 1u);
  const ScoreRequest many = parse_score_request(Json::parse(R"({"messages":[{"content":"a"},{"content":"b"}]})"), {});
  EXPECT_FALSE(many.single);
  EXPECT_EQ(many.messages.size(), 2u);
  std::string field;
  EXPECT_EQ(status_of([] { parse_score_request(Json::parse(R"({"messages":[{}],"contexts":[{},{}]})"), {}); }, &field),
            400);
  EXPECT_EQ(field, "contexts");
  EXPECT_EQ(status_of([] { parse_score_request(Json::parse(R"({"message":{"tools":[3]}})"), {}); }, &field), 400);
  EXPECT_EQ(field, "message");
  EXPECT_EQ(status_of([] { parse_score_request(Json::parse(R"({"message":1,"messages":[]})"), {}); }), 400);
}

TEST(Base64, KnownVectors) {
  const auto enc = [](std::string s) {
    return base64_encode(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("M"), "TQ==");
  EXPECT_EQ(enc("Ma"), "TWE=");
  EXPECT_EQ(enc("Man"), "TWFu");
  const float values[] = {1.0f, -2.0f};  // 0x3f800000, 0xc0000000 little-endian
  EXPECT_EQ(base64_floats(values), "AACAPwAAAMA=");
}

TEST(ApiKey, ChecksBearerToken) {
  const ApiKey key("s3cret");
  EXPECT_NO_THROW(key.check("Bearer s3cret"));
  EXPECT_NO_THROW(key.check("bearer s3cret"));
  EXPECT_EQ(status_of([&] { key.check("Bearer s3cre"); }), 401);
  EXPECT_EQ(status_of([&] { key.check("s3cret"); }), 401);
  EXPECT_EQ(status_of([&] { key.check(""); }), 401);
  EXPECT_NO_THROW(ApiKey("").check(""));
}

TEST(ServerOptions, PayloadLimitUnits) {
  EXPECT_EQ(parse_byte_size("2MB"), 2'000'000u);
  EXPECT_EQ(parse_byte_size("512kb"), 512'000u);
  EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
  EXPECT_THROW(parse_byte_size("lots"), Error);
  EXPECT_THROW(parse_byte_size("99999999999999999999999"), Error);
  ServerOptions o;
  o.max_batch_tokens = 1;
  EXPECT_THROW(o.validate(), Error);
}

// A fake engine: row s of the output is (first token id, sequence length, call number).
struct FakeEngine {
  std::atomic<int> calls{0};
  std::atomic<int> max_sequences{0};
  std::chrono::milliseconds delay{0};
  void run(const TokenBatch& batch, std::span<float> pooled) {
    const int call = calls++;
    int seen = max_sequences.load();
    while (batch.size() > seen && !max_sequences.compare_exchange_weak(seen, batch.size())) {
    }
    std::this_thread::sleep_for(delay);
    for (int s = 0; s < batch.size(); ++s) {
      pooled[size_t(s) * 3] = float(batch.sequence(s)[0]);
      pooled[size_t(s) * 3 + 1] = float(batch.length(s));
      pooled[size_t(s) * 3 + 2] = float(call);
    }
  }
};

TokenBatch one_sequence(int32_t first, int length) {
  TokenBatch b;
  std::vector<int32_t> ids(size_t(length), 7);
  ids[0] = first;
  b.add(ids);
  return b;
}

TEST(Batcher, ResultsReachTheirCallersAndBatchesForm) {
  FakeEngine engine;
  engine.delay = std::chrono::milliseconds(5);
  Batcher batcher({4096, 64, std::chrono::microseconds(20000), 512}, 3,
                  [&](const TokenBatch& b, std::span<float> p) { engine.run(b, p); }, nullptr);
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 32; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 5; ++i) {
        const int first = 1000 + c * 10 + i, length = 1 + (c * 7 + i) % 40;
        const std::vector<float> rows = batcher.submit(one_sequence(first, length), false)->get();
        if (rows.size() != 3 || rows[0] != float(first) || rows[1] != float(length)) ++wrong;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(engine.max_sequences, 1);
  EXPECT_LT(engine.calls, 160);
}

TEST(Batcher, RespectsTokenBudgetAndRequestCount) {
  FakeEngine engine;
  std::atomic<int> over_budget{0};
  Batcher batcher({100, 3, std::chrono::microseconds(50000), 512}, 3,
                  [&](const TokenBatch& b, std::span<float> p) {
                    if (b.total_tokens() > 100 || b.size() > 3) ++over_budget;
                    engine.run(b, p);
                  },
                  nullptr);
  std::vector<std::future<std::vector<float>>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(*batcher.submit(one_sequence(i, 40), false));
  futures.push_back(*batcher.submit(one_sequence(99, 300), false));  // larger than the budget: runs alone
  for (auto& f : futures) f.get();
  EXPECT_EQ(over_budget, 1);  // only the oversized request's own batch
}

TEST(Batcher, BoundedQueueRefusesAndErrorsPropagate) {
  std::atomic<bool> release{false};
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 2}, 3,
                  [&](const TokenBatch& b, std::span<float>) {
                    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    if (b.sequence(0)[0] == 13) throw Error(ErrorKind::kInternal, "boom");
                  },
                  nullptr);
  auto a = batcher.submit(one_sequence(13, 4), false);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the executor take `a` alone
  auto b = batcher.submit(one_sequence(14, 4), false);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(batcher.submit(one_sequence(15, 4), false).has_value());
  release = true;
  EXPECT_THROW(a->get(), Error);
  b->get();
  batcher.stop();
  EXPECT_THROW(batcher.submit(one_sequence(16, 4), false), Error);
}

TEST(Batcher, NormalizesPerRequest) {
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 8}, 2,
                  [](const TokenBatch& b, std::span<float> p) {
                    for (int s = 0; s < b.size(); ++s) p[size_t(s) * 2] = 3, p[size_t(s) * 2 + 1] = 4;
                  },
                  nullptr);
  EXPECT_EQ(batcher.submit(one_sequence(1, 2), true)->get(), (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(batcher.submit(one_sequence(1, 2), false)->get(), (std::vector<float>{3, 4}));
}

}  // namespace
}  // namespace acgs::server
