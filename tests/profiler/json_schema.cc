#include "json_schema.h"

#include <cmath>
#include <regex>
#include <set>

namespace acgs::testing {
namespace {

using nlohmann::json;

bool has_type(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  }
  return false;
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  void check(const json& schema, const json& v, const std::string& at) {
    static const std::set<std::string> kKnown = {
        "$schema", "$id", "title", "description", "$defs", "type", "enum", "const", "required", "properties",
        "additionalProperties", "items", "minItems", "minimum", "maximum", "pattern", "$ref"};
    for (const auto& [key, _] : schema.items()) {
      if (!kKnown.count(key)) errors.push_back(at + ": schema keyword '" + key + "' is not supported");
    }
    if (schema.contains("$ref")) {
      const std::string ref = schema["$ref"];
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0 || !root_["$defs"].contains(ref.substr(prefix.size()))) {
        errors.push_back(at + ": unresolvable $ref " + ref);
        return;
      }
      check(root_["$defs"][ref.substr(prefix.size())], v, at);
    }
    if (schema.contains("type")) {
      const json& t = schema["type"];
      bool ok = false;
      if (t.is_string()) ok = has_type(v, t);
      for (const auto& one : t.is_array() ? t : json::array()) ok = ok || has_type(v, one);
      if (!ok) {
        errors.push_back(at + ": expected type " + t.dump() + ", got " + v.type_name());
        return;
      }
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == v;
      if (!found) errors.push_back(at + ": " + v.dump() + " is not one of " + schema["enum"].dump());
    }
    if (schema.contains("const") && schema["const"] != v) errors.push_back(at + ": must equal " + schema["const"].dump());
    if (v.is_number()) {
      if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
        errors.push_back(at + ": " + v.dump() + " < minimum " + schema["minimum"].dump());
      if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>())
        errors.push_back(at + ": " + v.dump() + " > maximum " + schema["maximum"].dump());
    }
    if (v.is_string() && schema.contains("pattern") &&
        !std::regex_search(v.get<std::string>(), std::regex(schema["pattern"].get<std::string>()))) {
      errors.push_back(at + ": " + v.dump() + " does not match " + schema["pattern"].dump());
    }
    if (v.is_array()) {
      if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>())
        errors.push_back(at + ": fewer than " + schema["minItems"].dump() + " items");
      if (schema.contains("items")) {
        for (size_t i = 0; i < v.size(); ++i) check(schema["items"], v[i], at + "/" + std::to_string(i));
      }
    }
    if (v.is_object()) check_object(schema, v, at);
  }

  std::vector<std::string> errors;

 private:
  void check_object(const json& schema, const json& v, const std::string& at) {
    for (const auto& r : schema.value("required", json::array())) {
      if (!v.contains(r.get<std::string>())) errors.push_back(at + ": missing required property " + r.dump());
    }
    const json props = schema.value("properties", json::object());
    for (const auto& [key, value] : v.items()) {
      if (props.contains(key)) {
        check(props[key], value, at + "/" + key);
      } else if (schema.contains("additionalProperties")) {
        const json& extra = schema["additionalProperties"];
        if (extra.is_boolean() && !extra.get<bool>()) errors.push_back(at + ": unexpected property '" + key + "'");
        if (extra.is_object()) check(extra, value, at + "/" + key);
      }
    }
  }

  const json& root_;
};

}  // namespace

std::vector<std::string> validate_json_schema(const nlohmann::json& schema, const nlohmann::json& instance) {
  Validator v(schema);
  v.check(schema, instance, "");
  return v.errors;
}

}  // namespace acgs::testing
