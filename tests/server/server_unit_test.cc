// Parts of the server that need no model or socket: request parsing and validation, base64, the API key
// check, option parsing and the traceparent reader (the batcher has its own test file).
#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "server/api_error.h"
#include "server/auth.h"
#include "server/base64.h"
#include "server/request_parse.h"
#include "server/server_options.h"
#include "server/trace_context.h"

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

TEST(TraceContext, TraceIdOfValidTraceparentsOnly) {
  const std::string id = "4bf92f3577b34da6a3ce929d0e0e4736";
  EXPECT_EQ(trace_id_of("00-" + id + "-00f067aa0ba902b7-01"), id);
  EXPECT_EQ(trace_id_of("01-" + id + "-00f067aa0ba902b7-01-later-fields"), id);  // a later version may add fields
  EXPECT_EQ(trace_id_of("00-" + id + "-00f067aa0ba902b7-01-x"), "");              // version 00 may not
  EXPECT_EQ(trace_id_of("ff-" + id + "-00f067aa0ba902b7-01"), "");                // forbidden version
  EXPECT_EQ(trace_id_of("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "");  // uppercase
  EXPECT_EQ(trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "");  // all-zero trace id
  EXPECT_EQ(trace_id_of("00-" + id + "-0000000000000000-01"), "");                // all-zero parent id
  EXPECT_EQ(trace_id_of("00-" + id + "-00f067aa0ba902b7"), "");                   // no flags
  EXPECT_EQ(trace_id_of(""), "");
}

}  // namespace
}  // namespace acgs::server
