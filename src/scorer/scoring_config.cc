#include "scorer/scoring_config.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "scorer/python_text.h"

namespace acgs {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  fail(ErrorKind::kInvalidArgument, field + " " + what);
}

// Reads an object field by field; any key without a handler is an error naming it and the known keys.
void read_object(const json& object, const std::string& where,
                 const std::map<std::string, std::function<void(const json&, const std::string&)>>& handlers) {
  if (!object.is_object()) bad(where, std::string("must be a JSON object, got ") + object.type_name());
  for (const auto& [key, value] : object.items()) {
    const auto handler = handlers.find(key);
    if (handler == handlers.end()) {
      std::string known;
      for (const auto& [name, _] : handlers) known += (known.empty() ? "" : ", ") + name;
      bad(where + "." + key, "is not a known setting; expected one of: " + known);
    }
    handler->second(value, where + "." + key);
  }
}

auto number_into(double& target) {
  return [&target](const json& value, const std::string& field) {
    if (!value.is_number()) bad(field, std::string("must be a number, got ") + value.type_name());
    target = value.get<double>();
  };
}

template <typename Int>
auto count_into(Int& target) {
  return [&target](const json& value, const std::string& field) {
    const bool in_range = value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
    if (!in_range || value.get<uint64_t>() > uint64_t{std::numeric_limits<Int>::max()}) {
      bad(field, "must be a non-negative integer no larger than " + std::to_string(std::numeric_limits<Int>::max()) +
                     ", got " + value.dump());
    }
    target = static_cast<Int>(value.get<uint64_t>());
  };
}

auto boost_into(Boost& target) {
  return [&target](const json& value, const std::string& field) {
    read_object(value, field, {{"trigger", number_into(target.trigger)}, {"floor", number_into(target.floor)}});
  };
}

void check_unit(double value, const std::string& field) {
  if (!(value >= 0.0 && value <= 1.0)) bad(field, "must be in [0, 1], got " + std::to_string(value));
}

}  // namespace

std::vector<std::string> default_keywords() {
  return {"critical",   "emergency",  "security",  "breach",        "violation",  "danger",      "risk",
          "threat",     "attack",     "exploit",   "vulnerability", "compromise", "governance",  "policy",
          "regulation", "compliance", "legal",     "audit",         "financial",  "transaction", "payment",
          "transfer",   "blockchain", "consensus", "unauthorized",  "abnormal",   "suspicious",  "alert"};
}

void ScoringConfig::validate() const {
  const std::pair<const char*, double> weight_list[] = {
      {"semantic", weights.semantic}, {"permission", weights.permission}, {"volume", weights.volume},
      {"context", weights.context},   {"drift", weights.drift},           {"priority", weights.priority},
      {"type", weights.type}};
  for (const auto& [name, w] : weight_list) {
    if (!std::isfinite(w) || w < 0.0) {
      bad(std::string("weights.") + name, "must be a finite non-negative number, got " + std::to_string(w));
    }
  }
  check_unit(critical_priority.trigger, "boosts.critical_priority.trigger");
  check_unit(critical_priority.floor, "boosts.critical_priority.floor");
  check_unit(high_semantic.trigger, "boosts.high_semantic.trigger");
  check_unit(high_semantic.floor, "boosts.high_semantic.floor");
  check_unit(deliberation_threshold, "deliberation_threshold");
  check_unit(embedding.strict_threshold, "embedding.strict_threshold");
  check_unit(embedding.threshold, "embedding.threshold");
  check_unit(embedding.strict_below_keyword_score, "embedding.strict_below_keyword_score");
  check_unit(embedding.scale, "embedding.scale");
  if (embedding.max_length < 2) bad("embedding.max_length", "must be at least 2 ([CLS] and [SEP])");
  if (keywords.empty()) bad("keywords", "must list at least one keyword");
  for (size_t i = 0; i < keywords.size(); ++i) {
    const std::string field = "keywords[" + std::to_string(i) + "]";
    if (keywords[i].empty()) bad(field, "is empty; an empty keyword would match every text");
    if (python_lower(keywords[i]) != keywords[i]) {
      bad(field, "'" + keywords[i] + "' must be lowercase: it is matched against the lowercased text");
    }
  }
  if (state.max_agents == 0) bad("state.max_agents", "must be at least 1");
  if (!std::isfinite(state.idle_ttl_seconds) || state.idle_ttl_seconds < 0.0) {
    bad("state.idle_ttl_seconds", "must be a non-negative number of seconds (0 = never expire)");
  }
  if (state.drift_history == 0) bad("state.drift_history", "must be at least 1");
  if (state.shards == 0) bad("state.shards", "must be at least 1");
}

ScoringConfig scoring_config_from_json(const json& json, const std::string& where) {
  ScoringConfig c;
  auto& w = c.weights;
  read_object(json, where,
              {
                  {"weights",
                   [&](const auto& v, const auto& f) {
                     read_object(v, f,
                                 {{"semantic", number_into(w.semantic)},
                                  {"permission", number_into(w.permission)},
                                  {"volume", number_into(w.volume)},
                                  {"context", number_into(w.context)},
                                  {"drift", number_into(w.drift)},
                                  {"priority", number_into(w.priority)},
                                  {"type", number_into(w.type)}});
                   }},
                  {"boosts",
                   [&](const auto& v, const auto& f) {
                     read_object(v, f,
                                 {{"critical_priority", boost_into(c.critical_priority)},
                                  {"high_semantic", boost_into(c.high_semantic)}});
                   }},
                  {"deliberation_threshold", number_into(c.deliberation_threshold)},
                  {"keywords",
                   [&](const auto& v, const auto& f) {
                     if (!v.is_array()) bad(f, "must be an array of strings");
                     c.keywords.clear();
                     for (size_t i = 0; i < v.size(); ++i) {
                       if (!v[i].is_string()) bad(f + "[" + std::to_string(i) + "]", "must be a string");
                       c.keywords.push_back(v[i].template get<std::string>());
                     }
                   }},
                  {"embedding",
                   [&](const auto& v, const auto& f) {
                     auto& e = c.embedding;
                     read_object(v, f,
                                 {{"strict_threshold", number_into(e.strict_threshold)},
                                  {"threshold", number_into(e.threshold)},
                                  {"strict_below_keyword_score", number_into(e.strict_below_keyword_score)},
                                  {"scale", number_into(e.scale)},
                                  {"max_length", count_into(e.max_length)}});
                   }},
                  {"state",
                   [&](const auto& v, const auto& f) {
                     auto& s = c.state;
                     read_object(v, f,
                                 {{"max_agents", count_into(s.max_agents)},
                                  {"idle_ttl_seconds", number_into(s.idle_ttl_seconds)},
                                  {"drift_history", count_into(s.drift_history)},
                                  {"shards", count_into(s.shards)}});
                   }},
              });
  try {
    c.validate();
  } catch (const Error& e) {
    fail(ErrorKind::kInvalidArgument, where + ": " + e.what());
  }
  return c;
}

ScoringConfig load_scoring_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    fail(ErrorKind::kInvalidArgument, "cannot read scoring config '" + path.string() + "'; check the --config path");
  }
  std::stringstream text;
  text << in.rdbuf();
  json parsed;
  try {
    parsed = json::parse(text.str());
  } catch (const json::parse_error& e) {
    fail(ErrorKind::kInvalidArgument, "scoring config '" + path.string() + "' is not valid JSON: " + e.what());
  }
  return scoring_config_from_json(parsed, path.string());
}

json scoring_config_to_json(const ScoringConfig& c) {
  const auto& w = c.weights;
  const auto& e = c.embedding;
  const auto& s = c.state;
  return json{
      {"weights",
       {{"semantic", w.semantic},
        {"permission", w.permission},
        {"volume", w.volume},
        {"context", w.context},
        {"drift", w.drift},
        {"priority", w.priority},
        {"type", w.type}}},
      {"boosts",
       {{"critical_priority", {{"trigger", c.critical_priority.trigger}, {"floor", c.critical_priority.floor}}},
        {"high_semantic", {{"trigger", c.high_semantic.trigger}, {"floor", c.high_semantic.floor}}}}},
      {"deliberation_threshold", c.deliberation_threshold},
      {"keywords", c.keywords},
      {"embedding",
       {{"strict_threshold", e.strict_threshold},
        {"threshold", e.threshold},
        {"strict_below_keyword_score", e.strict_below_keyword_score},
        {"scale", e.scale},
        {"max_length", e.max_length}}},
      {"state",
       {{"max_agents", s.max_agents},
        {"idle_ttl_seconds", s.idle_ttl_seconds},
        {"drift_history", s.drift_history},
        {"shards", s.shards}}},
  };
}

}  // namespace acgs
