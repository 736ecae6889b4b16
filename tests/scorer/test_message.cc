// Message/context parsing: every accepted shape, and a clear error naming the field for each wrong type.
#include <gtest/gtest.h>

#include "common/error.h"
#include "scorer/message.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;
using test::context_from;
using test::message_from;

TEST(ScorerMessage, ParsesEveryField) {
  const ScoringMessage m = message_from(R"({
    "content": {"text": "Hello"}, "payload": {"message": "World", "amount": 1500.5, "other": 1},
    "priority": "high", "message_type": "command", "tools": ["read", {"name": "write"}, {"x": 1}],
    "from_agent": "agent-1", "message_id": "ignored"})");
  EXPECT_EQ(m.content, "Hello");
  EXPECT_EQ(m.payload_message, "World");
  EXPECT_EQ(m.payload_amount, 1500.5);
  EXPECT_EQ(m.priority, "high");
  EXPECT_EQ(m.message_type, "command");
  EXPECT_EQ(m.tools, (std::vector<std::string>{"read", "write", ""}));
  EXPECT_EQ(m.from_agent, "agent-1");
  EXPECT_EQ(message_text(m), "Hello World");
}

TEST(ScorerMessage, NullMeansAbsentAndIntegersArePriorities) {
  const ScoringMessage m = message_from(R"({"content": null, "payload": null, "priority": 3, "tools": null})");
  EXPECT_FALSE(m.content);
  EXPECT_FALSE(m.payload_message);
  EXPECT_EQ(m.priority, "3");
  EXPECT_TRUE(m.tools.empty());
  EXPECT_EQ(message_text(m), "");
  EXPECT_EQ(message_text(message_from(R"({"content": ""})")), "");
  EXPECT_EQ(message_text(message_from(R"({"content": "", "payload": {"message": "x"}})")), " x");
}

TEST(ScorerMessage, ParsesContext) {
  const ScoringContext c = context_from(
      R"({"agent_id": "a", "priority": 2, "message_type": "governance", "semantic_override": 0.25, "extra": 1})");
  EXPECT_EQ(c.agent_id, "a");
  EXPECT_EQ(c.priority, "2");
  EXPECT_EQ(c.message_type, "governance");
  EXPECT_EQ(c.semantic_override, 0.25);
  EXPECT_FALSE(context_from("null").agent_id);
}

TEST(ScorerMessage, RequestFormsBareAndWrapped) {
  const auto wrapped = parse_request(json::parse(R"({"message": {"content": "x"}, "context": {"agent_id": "a"}})"));
  EXPECT_EQ(wrapped.message.content, "x");
  EXPECT_EQ(wrapped.context.agent_id, "a");
  const auto no_context = parse_request(json::parse(R"({"message": {"content": "x"}})"));
  EXPECT_FALSE(no_context.context.agent_id);
  const auto bare = parse_request(json::parse(R"({"content": "y", "from_agent": "b"})"));
  EXPECT_EQ(bare.message.content, "y");
  EXPECT_EQ(bare.message.from_agent, "b");
}

void expect_error(const char* request, const std::string& field) {
  try {
    parse_request(json::parse(request));
    ADD_FAILURE() << "no error for " << request;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(ScorerMessage, WrongTypesNameTheField) {
  expect_error(R"([1, 2])", "request");
  expect_error(R"({"content": 5})", "message.content");
  expect_error(R"({"content": {"text": 5}})", "message.content.text");
  expect_error(R"({"payload": "x"})", "message.payload");
  expect_error(R"({"payload": {"message": 1}})", "message.payload.message");
  expect_error(R"({"payload": {"amount": "1000"}})", "message.payload.amount");
  expect_error(R"({"priority": 1.5})", "message.priority");
  expect_error(R"({"priority": true})", "message.priority");
  expect_error(R"({"message_type": ["x"]})", "message.message_type");
  expect_error(R"({"tools": "read"})", "message.tools");
  expect_error(R"({"tools": ["ok", 3]})", "message.tools[1]");
  expect_error(R"({"tools": [{"name": 3}]})", "message.tools[0].name");
  expect_error(R"({"from_agent": 7})", "message.from_agent");
  expect_error(R"({"message": {}, "context": 3})", "context");
  expect_error(R"({"message": {}, "context": {"agent_id": 1}})", "context.agent_id");
  expect_error(R"({"message": {}, "context": {"semantic_override": "high"}})", "context.semantic_override");
  expect_error(R"({"message": {}, "context": {"semantic_override": 1.5}})", "context.semantic_override");
}

}  // namespace
}  // namespace acgs
