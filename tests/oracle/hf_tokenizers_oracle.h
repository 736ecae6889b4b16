#pragma once
// Test-side driver of the HF tokenizers oracle scripts (tools/oracle/*.js, npm `tokenizers`): runs one at
// test time and reads back the JSONL it writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace acgs::test {

inline std::filesystem::path source_dir() { return std::getenv("ACGS_SOURCE_DIR"); }

// The texts of tests/tokenizer/corpus.jsonl, the parity corpus every tokenizer oracle runs over.
inline std::vector<std::string> read_corpus() {
  std::ifstream in(source_dir() / "tests/tokenizer/corpus.jsonl");
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  }
  return texts;
}

// Runs `node SCRIPT ARGS...` in tools/oracle (each arg quoted) and returns the lines of the JSONL file it
// wrote to `output`; adds a test failure and returns nothing if the script fails.
inline std::vector<nlohmann::json> run_node_oracle(const std::string& script, const std::vector<std::string>& args,
                                                   const std::filesystem::path& output) {
  std::string cmd = "cd '" + (source_dir() / "tools/oracle").string() + "' && node " + script;
  for (const auto& arg : args) cmd += " '" + arg + "'";
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "the HF tokenizers oracle failed (run `bash scripts/setup.sh` for node + npm packages): " << cmd;
    return {};
  }
  std::ifstream in(output);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace acgs::test
