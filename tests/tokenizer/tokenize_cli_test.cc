// `acgs-infer tokenize` end to end: the built binary on a few JSONL lines (ids, per-line errors, order,
// --max-length), --help, and usage errors exiting 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::vector<std::string> lines;
};

Result run_tokenize(const std::string& args, const std::string& input) {
  const fs::path bin = fs::path(std::getenv("ACGS_BINARY_DIR")) / "acgs-infer";
  const fs::path in = fs::path(std::getenv("ACGS_BINARY_DIR")) / "tokenize_cli_test.in";
  std::ofstream(in, std::ios::binary) << input;
  std::string cmd = "'";
  cmd.append(bin.string()).append("' tokenize ").append(args).append(" < '").append(in.string()).append("' 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, {}};
  if (!pipe) return r;
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  for (size_t start = 0; start < out.size();) {
    const size_t end = out.find('\n', start);
    r.lines.push_back(out.substr(start, end - start));
    start = end == std::string::npos ? out.size() : end + 1;
  }
  return r;
}

std::string model_arg() {
  std::string arg = "--model '";
  return arg.append(std::getenv("ACGS_SOURCE_DIR")).append("/data/bert-base-uncased'");
}

TEST(TokenizeCli, OneOutputLinePerInputLineWithErrorsInPlace) {
  ASSERT_TRUE(fs::exists(fs::path(std::getenv("ACGS_BINARY_DIR")) / "acgs-infer")) << "build target acgs-infer first";
  const auto r = run_tokenize(model_arg(), "{\"text\": \"Hello world\"}\nnot json\n{\"txt\": 1}\n{\"text\": \"\"}\n");
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[0], R"({"ids":[101,7592,2088,102]})");
  for (int i : {1, 2}) {
    const auto error = nlohmann::json::parse(r.lines[i]);
    ASSERT_TRUE(error.contains("error")) << r.lines[i];
    EXPECT_NE(error["error"].get<std::string>().find("line " + std::to_string(i + 1)), std::string::npos);
  }
  EXPECT_EQ(r.lines[3], R"({"ids":[101,102]})");
}

TEST(TokenizeCli, MaxLengthTruncates) {
  const auto r = run_tokenize(model_arg() + " --max-length 3", "{\"text\": \"Hello world again\"}\n");
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], R"({"ids":[101,7592,102]})");
}

TEST(TokenizeCli, HelpAndUsageErrors) {
  EXPECT_EQ(run_tokenize("--help", "").exit_code, 0);
  EXPECT_EQ(run_tokenize("", "").exit_code, 2);                                 // --model missing
  EXPECT_EQ(run_tokenize(model_arg() + " --max-length 1", "").exit_code, 2);    // too small for [CLS] [SEP]
  EXPECT_EQ(run_tokenize(model_arg() + " --max-length abc", "").exit_code, 2);
  EXPECT_EQ(run_tokenize(model_arg() + " --bogus", "").exit_code, 2);
  EXPECT_EQ(run_tokenize("--model /nonexistent/dir", "{\"text\": \"x\"}\n").exit_code, 1);
}

}  // namespace
