#pragma once
// The JSONL contract shared by the text-in commands (embed, tokenize, score): one {"text": …} object per
// input line, one JSON object per output line in the same order, {"error": …} for a line that could
// not be used (the command goes on with the next line).
#include <span>
#include <string>
#include <string_view>

namespace acgs::cli {

// The "text" field of one input line. Throws Error(kInvalidArgument) "line N: …" saying what is wrong
// (not JSON, not an object, no string "text") and what a valid line looks like.
std::string parse_text_line(std::string_view line, long line_no);

// {"error": "<message>"} with the message JSON-escaped, no trailing newline.
std::string error_json(const std::string& message);
// The same for a failure on input line `line_no`: the message gets a "line N: " prefix unless it
// already starts with "line " (parse_text_line's errors do).
std::string line_error_json(const std::string& message, long line_no);

// Appends [v0,v1,…] using the shortest decimal form that reads back as the same float (std::to_chars);
// a non-finite value, which JSON cannot express, is written as null.
void append_float_array(std::string& out, std::span<const float> values);

}  // namespace acgs::cli
