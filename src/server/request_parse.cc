#include "server/request_parse.h"

#include <cctype>

#include "common/error.h"
#include "engine/engine.h"
#include "server/api_error.h"
#include "tokenizer/utf8.h"

namespace acgs::server {
namespace {

using Json = nlohmann::json;
constexpr int kMaxDepth = 32;

[[noreturn]] void bad_type(const std::string& field, const std::string& expected, const Json& got) {
  throw ApiError(400, field + " must be " + expected + ", got " + got.type_name(), field);
}

const Json& require_object(const Json& body) {
  if (!body.is_object()) bad_type("body", "a JSON object", body);
  return body;
}

// nullptr when absent or null (JSON null counts as absent, like TEI's serde Option fields).
const Json* field(const Json& body, const char* name) {
  auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

bool get_bool(const Json& body, const char* name, bool fallback) {
  const Json* v = field(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) bad_type(name, "a boolean", *v);
  return v->get<bool>();
}

std::string get_string(const Json& body, const char* name, std::string fallback) {
  const Json* v = field(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_string()) bad_type(name, "a string", *v);
  return v->get<std::string>();
}

void check_count(const std::string& name, size_t count, const RequestLimits& limits) {
  if (count == 0) throw ApiError(400, name + " is an empty list; send at least one text", name);
  if (count > static_cast<size_t>(limits.max_client_batch_size))
    throw ApiError(413,
                   name + " has " + std::to_string(count) + " items, more than the server's maximum of " +
                       std::to_string(limits.max_client_batch_size) + " (--max-client-batch-size); split the request",
                   name);
}

// A string, or a non-empty list of strings.
std::vector<std::string> get_texts(const Json& body, const char* name, const RequestLimits& limits) {
  const Json* v = field(body, name);
  if (v == nullptr) throw ApiError(400, std::string("missing field ") + name + " (a string or a list of strings)", name);
  if (v->is_string()) return {v->get<std::string>()};
  if (!v->is_array()) bad_type(name, "a string or a list of strings", *v);
  check_count(name, v->size(), limits);
  std::vector<std::string> texts;
  texts.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    const std::string item_name = std::string(name) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) bad_type(item_name, "a string (token id lists are not supported)", item);
    texts.push_back(item.get<std::string>());
  }
  return texts;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Runs an acgs::Error-throwing parser and reports its message as a 400 for `field`.
template <class F>
auto as_bad_request(const std::string& field, F fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw ApiError(400, e.what(), field);
  }
}

}  // namespace

Json parse_json_body(std::string_view body) {
  try {
    tok::validate_utf8(body);
  } catch (const Error& e) {
    throw ApiError(422, std::string("request body is not valid UTF-8: ") + e.what());
  }
  const Json::parser_callback_t depth_guard = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth)
      throw ApiError(400, "request body nests JSON deeper than " + std::to_string(kMaxDepth) + " levels");
    return true;
  };
  try {
    return Json::parse(body.begin(), body.end(), depth_guard);
  } catch (const Json::parse_error& e) {
    const std::string what = e.what();
    // nlohmann reports lone or mismatched \uD800-\uDFFF escapes as syntax errors; they are text that
    // cannot be UTF-8, which is what 422 means here.
    if (what.find("surrogate") != std::string::npos)
      throw ApiError(422, "request body has a string with an invalid \\u surrogate escape: " + what);
    throw ApiError(400, "request body is not valid JSON: " + what);
  } catch (const Json::out_of_range& e) {
    // A number literal beyond double's range (e.g. 1E999): valid JSON grammar, but not a value we can hold.
    throw ApiError(400, std::string("request body has a number out of range: ") + e.what());
  }
}

void check_constitutional_hash(const std::string& hash, const std::string& where) {
  if (hash != kConstitutionalHash)
    throw ApiError(403, where + " '" + hash.substr(0, 64) + "' does not match this service's constitutional hash " +
                            kConstitutionalHash,
                   where);
}

bool check_body_hash(const Json& body) {
  if (!body.is_object()) return false;
  const Json* v = field(body, "constitutional_hash");
  if (v == nullptr) return false;
  if (!v->is_string()) bad_type("constitutional_hash", "a string", *v);
  check_constitutional_hash(v->get<std::string>(), "constitutional_hash");
  return true;
}

EmbedRequest parse_embed_request(const Json& body, const RequestLimits& limits) {
  require_object(body);
  EmbedRequest r;
  r.inputs = get_texts(body, "inputs", limits);
  r.normalize = get_bool(body, "normalize", true);
  r.truncate = get_bool(body, "truncate", false);
  const std::string side = lower(get_string(body, "truncation_direction", "right"));
  if (side == "left") r.side = TruncationSide::kLeft;
  else if (side != "right")
    throw ApiError(400, "truncation_direction must be \"left\" or \"right\"", "truncation_direction");
  return r;
}

OpenAiEmbeddingsRequest parse_openai_request(const Json& body, const RequestLimits& limits) {
  require_object(body);
  OpenAiEmbeddingsRequest r;
  r.inputs = get_texts(body, "input", limits);
  r.model = get_string(body, "model", "");
  const std::string format = get_string(body, "encoding_format", "float");
  if (format == "base64") r.base64 = true;
  else if (format != "float") throw ApiError(400, "encoding_format must be \"float\" or \"base64\"", "encoding_format");
  return r;
}

TokenizeRequest parse_tokenize_request(const Json& body, const RequestLimits& limits) {
  require_object(body);
  TokenizeRequest r;
  r.inputs = get_texts(body, "inputs", limits);
  r.add_special_tokens = get_bool(body, "add_special_tokens", true);
  return r;
}

ScoreRequest parse_score_request(const Json& body, const RequestLimits& limits) {
  require_object(body);
  ScoreRequest r;
  const Json* one = field(body, "message");
  const Json* many = field(body, "messages");
  if ((one == nullptr) == (many == nullptr))
    throw ApiError(400, "send exactly one of message (an object) or messages (a list of objects)", "message");
  const char* context_name = one != nullptr ? "context" : "contexts";
  const Json* contexts = field(body, context_name);
  // A bus message may carry its own constitutional_hash; a wrong one is refused like the request's.
  const auto add_message = [&](const Json& m, const std::string& name) {
    if (!m.is_object()) bad_type(name, "an object", m);
    if (const Json* h = field(m, "constitutional_hash")) {
      if (!h->is_string()) bad_type(name + ".constitutional_hash", "a string", *h);
      check_constitutional_hash(h->get<std::string>(), name + ".constitutional_hash");
    }
    r.messages.push_back(as_bad_request(name, [&] { return parse_message(m); }));
  };
  if (one != nullptr) {
    add_message(*one, "message");
    if (contexts != nullptr) {
      if (!contexts->is_object()) bad_type("context", "an object", *contexts);
      r.contexts.push_back(as_bad_request("context", [&] { return parse_context(*contexts); }));
    }
    return r;
  }
  r.single = false;
  if (!many->is_array()) bad_type("messages", "a list of objects", *many);
  check_count("messages", many->size(), limits);
  for (size_t i = 0; i < many->size(); ++i) add_message((*many)[i], "messages[" + std::to_string(i) + "]");
  if (contexts != nullptr) {
    if (!contexts->is_array()) bad_type("contexts", "a list of objects", *contexts);
    if (contexts->size() != many->size())
      throw ApiError(400,
                     "contexts has " + std::to_string(contexts->size()) + " items but messages has " +
                         std::to_string(many->size()) + "; send one context per message or none",
                     "contexts");
    for (size_t i = 0; i < contexts->size(); ++i) {
      const std::string name = "contexts[" + std::to_string(i) + "]";
      if (!(*contexts)[i].is_object()) bad_type(name, "an object", (*contexts)[i]);
      r.contexts.push_back(as_bad_request(name, [&] { return parse_context((*contexts)[i]); }));
    }
  }
  return r;
}

}  // namespace acgs::server
