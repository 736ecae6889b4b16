#include "cli/jsonl_io.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace acgs::cli {

std::string parse_text_line(std::string_view line, long line_no) {
  const std::string where = "line " + std::to_string(line_no) + ": ";
  const std::string expected = R"(; expected one JSON object per line like {"text": "hello"})";
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorKind::kInvalidArgument,
         where + "not valid JSON (error at byte " + std::to_string(e.byte) + ")" + expected);
  }
  if (!value.is_object()) fail(ErrorKind::kInvalidArgument, where + "not a JSON object" + expected);
  const auto text = value.find("text");
  if (text == value.end()) fail(ErrorKind::kInvalidArgument, where + "no \"text\" field" + expected);
  if (!text->is_string()) fail(ErrorKind::kInvalidArgument, where + "\"text\" is not a string" + expected);
  return text->get<std::string>();
}

std::string error_json(const std::string& message) {
  // Replace, not throw, on invalid UTF-8 that an input line may have carried into the message.
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string line_error_json(const std::string& message, long line_no) {
  return error_json(message.starts_with("line ") ? message : "line " + std::to_string(line_no) + ": " + message);
}

void append_float_array(std::string& out, std::span<const float> values) {
  out += '[';
  char buf[32];
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!std::isfinite(values[i])) {
      out += "null";
      continue;
    }
    const auto result = std::to_chars(buf, buf + sizeof buf, values[i]);
    out.append(buf, result.ptr);
  }
  out += ']';
}

}  // namespace acgs::cli
