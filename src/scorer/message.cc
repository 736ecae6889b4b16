#include "scorer/message.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace acgs {
namespace {

using nlohmann::json;

[[noreturn]] void wrong_type(const std::string& field, const char* expected, const json& value) {
  fail(ErrorKind::kInvalidArgument,
       field + " must be " + expected + ", got " + value.type_name() + "; fix the field or leave it out");
}

const json* field_of(const json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> string_field(const json& object, const char* name, const std::string& where) {
  const json* value = field_of(object, name);
  if (!value) return std::nullopt;
  if (!value->is_string()) wrong_type(where + "." + name, "a string", *value);
  return value->get<std::string>();
}

// Priorities arrive as names ("high") or as the numeric levels of the Priority enum (2); Python compared
// str(value), so an integer is kept as its decimal text.
std::optional<std::string> priority_field(const json& object, const std::string& where) {
  const json* value = field_of(object, "priority");
  if (!value) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  wrong_type(where + ".priority", "a string or an integer", *value);
}

void require_object(const json& value, const std::string& where) {
  if (!value.is_object()) wrong_type(where, "an object", value);
}

std::optional<std::string> content_text(const json& message) {
  const json* content = field_of(message, "content");
  if (!content) return std::nullopt;
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_object()) wrong_type("message.content", "a string or an object", *content);
  if (content->contains("text")) {
    const json& text = (*content)["text"];
    if (!text.is_string()) wrong_type("message.content.text", "a string", text);
    return text.get<std::string>();
  }
  return content->dump();
}

std::vector<std::string> tool_names(const json& message) {
  std::vector<std::string> names;
  const json* tools = field_of(message, "tools");
  if (!tools) return names;
  if (!tools->is_array()) wrong_type("message.tools", "an array", *tools);
  for (size_t i = 0; i < tools->size(); ++i) {
    const json& tool = (*tools)[i];
    const std::string where = "message.tools[" + std::to_string(i) + "]";
    if (tool.is_string()) {
      names.push_back(tool.get<std::string>());
    } else if (tool.is_object()) {
      names.push_back(string_field(tool, "name", where).value_or(""));
    } else {
      wrong_type(where, "a string or an object with a \"name\"", tool);
    }
  }
  return names;
}

}  // namespace

ScoringMessage parse_message(const json& json) {
  require_object(json, "message");
  ScoringMessage message;
  message.content = content_text(json);
  if (const auto* payload = field_of(json, "payload")) {
    require_object(*payload, "message.payload");
    message.payload_message = string_field(*payload, "message", "message.payload");
    if (const auto* amount = field_of(*payload, "amount")) {
      if (!amount->is_number()) wrong_type("message.payload.amount", "a number", *amount);
      message.payload_amount = amount->get<double>();
    }
  }
  message.priority = priority_field(json, "message");
  message.message_type = string_field(json, "message_type", "message");
  message.tools = tool_names(json);
  message.from_agent = string_field(json, "from_agent", "message");
  return message;
}

ScoringContext parse_context(const json& json) {
  ScoringContext context;
  if (json.is_null()) return context;
  require_object(json, "context");
  context.agent_id = string_field(json, "agent_id", "context");
  context.priority = priority_field(json, "context");
  context.message_type = string_field(json, "message_type", "context");
  if (const auto* value = field_of(json, "semantic_override")) {
    if (!value->is_number()) wrong_type("context.semantic_override", "a number in [0, 1]", *value);
    const double v = value->get<double>();
    if (!(v >= 0.0 && v <= 1.0)) {
      fail(ErrorKind::kInvalidArgument,
           "context.semantic_override must be in [0, 1], got " + value->dump() + "; it replaces the semantic factor");
    }
    context.semantic_override = v;
  }
  return context;
}

ScoringRequest parse_request(const json& json) {
  if (!json.is_object()) wrong_type("request", "a JSON object (a message, or {\"message\": …, \"context\": …})", json);
  const auto it = json.find("message");
  if (it != json.end() && it->is_object()) {
    const auto ctx = json.find("context");
    return {parse_message(*it), ctx == json.end() ? ScoringContext{} : parse_context(*ctx)};
  }
  return {parse_message(json), ScoringContext{}};
}

std::string message_text(const ScoringMessage& message) {
  std::string text;
  if (message.content) text = *message.content;
  if (message.payload_message) {
    if (message.content) text += ' ';
    text += *message.payload_message;
  }
  return text;
}

}  // namespace acgs
