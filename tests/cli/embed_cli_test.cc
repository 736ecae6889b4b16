// `acgs-infer embed` through the built binary: the JSONL contract (one output line per input line, in
// order, errors in place), batching, output kinds, and usage errors (exit 2).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "model/model_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;

std::vector<json> lines_of(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::string jsonl(const std::vector<std::string>& texts) {
  std::string out;
  for (const auto& t : texts) out += json{{"text", t}}.dump() + "\n";
  return out;
}

class EmbedCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir();
    model_ = (*tmp_ / "tiny").string();
    const test::CliResult synth = test::run_cli("synth --preset tiny --seed 7 --out " + model_, "", tmp_->path());
    ASSERT_EQ(synth.exit_code, 0) << synth.err;
  }
  static void TearDownTestSuite() { delete tmp_; }

  test::CliResult embed(const std::string& args, const std::string& input) {
    return test::run_cli("embed --model " + model_ + " " + args, input, tmp_->path());
  }

  static inline test::TempDir* tmp_ = nullptr;
  static inline std::string model_;
};

const std::vector<std::string> kTexts = {
    "hello world", "The agent requests access to the policy store.", "", "Café 東京 🤖", "a", "b c d e f g",
    "Summarize the quarterly report and send it to the finance team."};

TEST_F(EmbedCli, OneEmbeddingPerLineInOrder) {
  const test::CliResult r = embed("", jsonl(kTexts));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), kTexts.size());
  for (const auto& line : lines) ASSERT_EQ(line.at("embedding").size(), 64u) << line.dump();
  EXPECT_NE(lines[0]["embedding"], lines[1]["embedding"]);
}

TEST_F(EmbedCli, MalformedLinesGetAnErrorInPlaceAndTheRestGoOn) {
  const std::string input = "{\"text\": \"first\"}\n"
                            "not json\n"
                            "{\"text\": 5}\n"
                            "\n"
                            "[\"text\"]\n"
                            "{\"txt\": \"typo\"}\n"
                            "{\"text\": \"last\", \"extra\": 1}\n";
  const test::CliResult r = embed("--batch-size 2", input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 7u) << r.out;
  EXPECT_TRUE(lines[0].contains("embedding"));
  EXPECT_TRUE(lines[6].contains("embedding"));
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(lines[i].contains("error")) << lines[i].dump();
    const std::string message = lines[i]["error"];
    EXPECT_NE(message.find("line " + std::to_string(i + 1)), std::string::npos) << message;
  }
  EXPECT_NE(lines[2]["error"].get<std::string>().find("\"text\" is not a string"), std::string::npos);
  EXPECT_NE(lines[5]["error"].get<std::string>().find("no \"text\" field"), std::string::npos);
}

TEST_F(EmbedCli, BatchSizeDoesNotChangeResults) {
  const test::CliResult one = embed("--batch-size 1", jsonl(kTexts));
  const test::CliResult three = embed("--batch-size 3", jsonl(kTexts));
  const test::CliResult all = embed("", jsonl(kTexts));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, three.out);
  EXPECT_EQ(one.out, all.out);
}

TEST_F(EmbedCli, HiddenOutputAgreesWithPooledOutputs) {
  const std::string input = jsonl({"governance proposal number seven", "hi"});
  const auto hidden = lines_of(embed("--output hidden", input).out);
  const auto mean = lines_of(embed("", input).out);
  const auto cls = lines_of(embed("--pooling cls", input).out);
  const auto unit = lines_of(embed("--normalize", input).out);
  ASSERT_EQ(hidden.size(), 2u);
  ASSERT_EQ(hidden[1]["hidden"].size(), 3u);  // [CLS] hi [SEP]
  for (size_t s = 0; s < 2; ++s) {
    const auto& rows = hidden[s]["hidden"];
    double norm = 0, unit_norm = 0;
    for (size_t j = 0; j < 64; ++j) {
      double sum = 0;
      for (const auto& row : rows) sum += row[j].get<double>();
      EXPECT_NEAR(mean[s]["embedding"][j].get<double>(), sum / rows.size(), 1e-6);
      // Printed floats read back exactly: the CLS row and the cls embedding are the same float.
      EXPECT_EQ(cls[s]["embedding"][j].get<float>(), rows[0][j].get<float>());
      norm += std::pow(mean[s]["embedding"][j].get<double>(), 2);
      unit_norm += std::pow(unit[s]["embedding"][j].get<double>(), 2);
    }
    EXPECT_NEAR(unit_norm, 1.0, 1e-6);
    EXPECT_NEAR(unit[s]["embedding"][0].get<double>() * std::sqrt(norm), mean[s]["embedding"][0].get<double>(), 1e-5);
  }
}

TEST_F(EmbedCli, MaxLengthTruncatesTokens) {
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const auto eight = lines_of(embed("--output hidden --max-length 8", jsonl({long_text})).out);
  const auto fallback = lines_of(embed("--output hidden", jsonl({long_text})).out);
  ASSERT_EQ(eight.size(), 1u);
  EXPECT_EQ(eight[0]["hidden"].size(), 8u);
  EXPECT_EQ(fallback[0]["hidden"].size(), 128u);
}

TEST_F(EmbedCli, EmptyInputGivesEmptyOutput) {
  const test::CliResult r = embed("", "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(EmbedCli, BadArgumentsExitTwo) {
  for (const std::string args : {"--pooling sum", "--normalize --no-normalize", "--output tokens", "--batch-size 0", "--max-length 1",
                                 "--max-length 513", "--backend nope", "--frobnicate", "--max-length x"}) {
    const test::CliResult r = embed(args, jsonl({"hello"}));
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << args;
    EXPECT_EQ(r.out, "") << args;
  }
}

TEST_F(EmbedCli, MissingModelSaysWhichFile) {
  const test::CliResult r = test::run_cli("embed --model " + (*tmp_ / "no-such-model").string(), jsonl({"x"}),
                                          tmp_->path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no-such-model"), std::string::npos) << r.err;
}

TEST_F(EmbedCli, Help) {
  const test::CliResult r = test::run_cli("embed --help", "", tmp_->path());
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option : {"--model", "--backend", "--pooling", "--normalize", "--max-length", "--output",
                             "--batch-size"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

}  // namespace
}  // namespace acgs
