#pragma once
// Shared helpers for the scorer tests: the sample messages file and request parsing.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scorer/message.h"

namespace acgs::test {

// A per-process file name in the temp directory, so concurrent test runs never share files.
inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / (std::to_string(getpid()) + "_" + name);
}

inline std::string source_path(const std::string& relative) {
  const char* root = std::getenv("ACGS_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

// tests/scorer/samples.jsonl: the eight ACGS-2 sample messages, in file order.
inline std::vector<ScoringRequest> load_samples() {
  std::ifstream in(source_path("tests/scorer/samples.jsonl"));
  std::vector<ScoringRequest> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(parse_request(nlohmann::json::parse(line)));
  }
  return out;
}

inline ScoringMessage message_from(const char* json) { return parse_message(nlohmann::json::parse(json)); }
inline ScoringContext context_from(const char* json) { return parse_context(nlohmann::json::parse(json)); }

}  // namespace acgs::test
