#pragma once
// Request bodies of every POST endpoint, parsed and validated into typed values before any model work.
// Pure functions (no engine, no I/O) so the fuzzer drives them directly. Every failure is an ApiError:
//   400 not JSON / wrong type (the message names the field: "inputs[3] must be a string, got number")
//   413 more inputs than max_client_batch_size
//   422 invalid UTF-8 in the body or a lone surrogate escape in a string
//   403 a constitutional_hash field other than kConstitutionalHash
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scorer/message.h"

namespace acgs::server {

enum class TruncationSide { kRight, kLeft };

struct RequestLimits {
  int max_client_batch_size = 32;
};

struct EmbedRequest {  // POST /embed (TEI)
  std::vector<std::string> inputs;
  bool normalize = true;
  bool truncate = false;
  TruncationSide side = TruncationSide::kRight;
};

struct OpenAiEmbeddingsRequest {  // POST /v1/embeddings
  std::vector<std::string> inputs;
  std::string model;
  bool base64 = false;
};

struct TokenizeRequest {  // POST /tokenize (TEI)
  std::vector<std::string> inputs;
  bool add_special_tokens = true;
};

struct ScoreRequest {  // POST /v1/score: {"message", "context"} or {"messages", "contexts"}
  std::vector<ScoringMessage> messages;
  std::vector<ScoringContext> contexts;  // empty or one per message
  bool single = true;                    // reply with one analysis object, not {"results": [...]}
};

// The body as JSON: 422 for invalid UTF-8, 400 for a syntax error or nesting deeper than 32 levels.
nlohmann::json parse_json_body(std::string_view body);

// 403 when `hash` (a header value or body field) is present and differs from kConstitutionalHash.
void check_constitutional_hash(const std::string& hash, const std::string& where);
// The body's own "constitutional_hash" (400 if not a string, 403 if wrong); true when present.
bool check_body_hash(const nlohmann::json& body);

EmbedRequest parse_embed_request(const nlohmann::json& body, const RequestLimits& limits);
OpenAiEmbeddingsRequest parse_openai_request(const nlohmann::json& body, const RequestLimits& limits);
TokenizeRequest parse_tokenize_request(const nlohmann::json& body, const RequestLimits& limits);
ScoreRequest parse_score_request(const nlohmann::json& body, const RequestLimits& limits);

}  // namespace acgs::server
