// `acgs-infer score` end to end in heuristic mode: the sample file gives the hand-computed scores,
// malformed lines get an error object on their own line and the run continues, and --state-snapshot
// carries per-agent state from one run to the next.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scorer_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;

std::string binary() {
  const char* dir = std::getenv("ACGS_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/acgs-infer";
}

// Runs the CLI with `args`, feeding `input` on stdin; returns stdout lines.
std::vector<std::string> run(const std::string& args, const std::string& input, int* status = nullptr) {
  const auto in_path = test::temp_path("acgs_score_cli_in.jsonl");
  std::ofstream(in_path) << input;
  FILE* pipe = popen((binary() + " score " + args + " < " + in_path.string() + " 2>/dev/null").c_str(), "r");
  std::vector<std::string> lines;
  std::string line;
  for (int c; (c = std::fgetc(pipe)) != EOF;) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += static_cast<char>(c);
    }
  }
  const int rc = pclose(pipe);
  std::filesystem::remove(in_path);
  if (status) *status = rc;
  return lines;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ScoreCli, SamplesInHeuristicMode) {
  int status = -1;
  const auto lines =
      run("--backend heuristic --batch-size 3", read_file(test::source_path("tests/scorer/samples.jsonl")), &status);
  EXPECT_EQ(status, 0);
  // The hand-computed first-message scores of test_samples.cc.
  const double want[] = {0.9, 0.8, 0.51, 0.35, 0.31, 0.15, 0.25, 0.12};
  ASSERT_EQ(lines.size(), 8u);
  for (size_t i = 0; i < 8; ++i) {
    const json r = json::parse(lines[i]);
    EXPECT_NEAR(r["score"].get<double>(), want[i], 1e-12) << lines[i];
    EXPECT_EQ(r["requires_deliberation"].get<bool>(), i < 2) << lines[i];
    EXPECT_EQ(r["factors"].size(), 7u);
    EXPECT_TRUE(r["recommendation"].is_string());
  }
}

TEST(ScoreCli, MalformedLinesGetErrorsAndTheRunContinues) {
  const std::string input =
      "{\"content\": \"critical breach\", \"from_agent\": \"a\"}\n"
      "not json\n"
      "{\"message\": {\"tools\": 5}}\n"
      "[1,2]\n"
      "\n"
      "{\"message\": {\"content\": \"hello\"}, \"context\": {\"agent_id\": \"a\"}}\n";
  int status = -1;
  const auto lines = run("--backend heuristic", input, &status);
  EXPECT_EQ(status, 0);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_TRUE(json::parse(lines[0]).contains("score"));
  for (int i : {1, 2, 3, 4}) {
    const json e = json::parse(lines[i]);
    ASSERT_TRUE(e.contains("error")) << lines[i];
    EXPECT_EQ(e["error"].get<std::string>().rfind("line " + std::to_string(i + 1) + ":", 0), 0u) << lines[i];
  }
  EXPECT_NE(json::parse(lines[2])["error"].get<std::string>().find("message.tools"), std::string::npos);
  // Line 6 is agent a's second message: drift |0.1 − 0.5|·2 = 0.8.
  EXPECT_NEAR(json::parse(lines[5])["factors"]["drift"].get<double>(), 0.8, 1e-12);
}

TEST(ScoreCli, StateSnapshotCarriesVolumeAcrossRuns) {
  const auto snapshot = test::temp_path("acgs_score_cli_state.json");
  std::filesystem::remove(snapshot);
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += "{\"content\": \"status ok\", \"from_agent\": \"steady\"}\n";
  const std::string args = "--backend heuristic --state-snapshot " + snapshot.string();
  run(args, ten + ten);  // 20 messages
  ASSERT_TRUE(std::filesystem::exists(snapshot));
  const auto lines = run(args, ten);  // messages 21..30: 20+ earlier → volume 0.2
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_NEAR(json::parse(lines[0])["factors"]["volume"].get<double>(), 0.2, 1e-12);
  EXPECT_EQ(json::parse(read_file(snapshot.string()))["agents"][0]["messages"], 30);
  std::filesystem::remove(snapshot);
}

TEST(ScoreCli, BadConfigIsAUsageError) {
  const auto config = test::temp_path("acgs_score_cli_bad.json");
  std::ofstream(config) << R"({"weights": {"semantic": -1}})";
  int status = -1;
  run("--backend heuristic --config " + config.string(), "{}\n", &status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::filesystem::remove(config);
}

}  // namespace
}  // namespace acgs
