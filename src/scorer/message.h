#pragma once
// ACGS-2 agent-bus messages as the impact scorer sees them, parsed from JSON into typed fields once, so
// the scoring rules work on values instead of probing a dict. Unknown fields are ignored (bus messages
// carry many more); a JSON null counts as an absent field; a field of the wrong type is an
// Error(kInvalidArgument) naming the field ("message.tools[2].name must be a string, got number").
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace acgs {

struct ScoringMessage {
  // content: a string, or an object whose "text" string is used. An object without "text" contributes its
  // compact JSON text (the original scorer keyword-matched Python's str() of such an object).
  std::optional<std::string> content;
  std::optional<std::string> payload_message;  // payload.message
  std::optional<double> payload_amount;        // payload.amount (number)
  std::optional<std::string> priority;         // string, or an integer kept as its decimal text ("3")
  std::optional<std::string> message_type;
  std::vector<std::string> tools;  // tool names: strings, or objects' "name" ("" if none)
  std::optional<std::string> from_agent;
};

struct ScoringContext {
  std::optional<std::string> agent_id;
  std::optional<std::string> priority;      // overrides message.priority
  std::optional<std::string> message_type;  // overrides message.message_type
  // A number in [0, 1] that replaces the semantic factor (keywords and embedding are skipped); drift then
  // tracks this value. Used by callers that already scored the text with another model.
  std::optional<double> semantic_override;
};

struct ScoringRequest {
  ScoringMessage message;
  ScoringContext context;
};

ScoringMessage parse_message(const nlohmann::json& json);
ScoringContext parse_context(const nlohmann::json& json);  // null = empty context
// One JSONL line of `acgs-infer score`: {"message": {...}, "context": {...}} (context optional) when the
// object has an object-valued "message" field, else the object itself is a bare message.
ScoringRequest parse_request(const nlohmann::json& json);

// Content text, then payload.message, joined by one space (only the parts that are present).
std::string message_text(const ScoringMessage& message);

}  // namespace acgs
