#pragma once
// A validator for the subset of JSON Schema (draft 2020-12) our checked-in schemas use: type (string or
// list; "integer" = a number without fraction), enum, const, required, properties, additionalProperties
// (bool or schema), items, minItems, minimum, maximum, pattern (ECMAScript via std::regex), and $ref to
// "#/$defs/<name>". Any other keyword is reported as unsupported, so a schema can't silently outgrow it.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acgs::testing {

// Every violation as "<json pointer>: <what>"; empty when `instance` is valid.
std::vector<std::string> validate_json_schema(const nlohmann::json& schema, const nlohmann::json& instance);

}  // namespace acgs::testing
