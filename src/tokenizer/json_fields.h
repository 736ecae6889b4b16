#pragma once
// Reading fields of HF tokenizer files (tokenizer.json, tokenizer_config.json) so that every error names
// the file, the field, the problem and how to fix it.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/error.h"

namespace acgs::tok {

class JsonFields {
 public:
  // source: the file, named in errors; fix: what the user should do, appended to every error.
  JsonFields(std::string source, std::string fix) : source_(std::move(source)), fix_(std::move(fix)) {}
  const std::string& source() const { return source_; }

  // Parses the file; Error(kInvalidModel) when it cannot be read or is not a JSON object.
  nlohmann::json parse_object() const;

  [[noreturn]] void bad(const std::string& field, const std::string& problem) const;
  const nlohmann::json& member(const nlohmann::json& object, const char* key, const std::string& where) const;

  // The value of object[key], or fallback when it is absent or null; a value of another type is an error.
  template <class T>
  T get_or(const nlohmann::json& object, const char* key, const std::string& where, T fallback) const {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    try {
      return it->get<T>();
    } catch (const nlohmann::json::exception&) {
      bad(where + "." + key, "has the wrong type");
    }
  }

 private:
  std::string source_;
  std::string fix_;
};

}  // namespace acgs::tok
