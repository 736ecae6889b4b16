#include "tokenizer/json_fields.h"

#include <fstream>
#include <sstream>

namespace acgs::tok {

nlohmann::json JsonFields::parse_object() const {
  std::ifstream in(source_, std::ios::binary);
  if (!in) fail(ErrorKind::kInvalidModel, "cannot open " + source_ + "; " + fix_);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorKind::kInvalidModel, source_ + ": not valid JSON (" + e.what() + "); " + fix_);
  }
  if (!root.is_object()) bad("the top level", "is not a JSON object");
  return root;
}

void JsonFields::bad(const std::string& field, const std::string& problem) const {
  fail(ErrorKind::kInvalidModel, source_ + ": " + field + " " + problem + "; " + fix_);
}

const nlohmann::json& JsonFields::member(const nlohmann::json& object, const char* key,
                                         const std::string& where) const {
  if (!object.is_object() || !object.contains(key)) bad(where + "." + key, "is missing");
  return object.at(key);
}

}  // namespace acgs::tok
