// End to end as a user runs it: texts -> `acgs-infer tokenize` -> PyTorch oracle, against
// `acgs-infer embed` on the same texts (default backend): hidden states and normalized mean embeddings.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "model/synth.h"
#include "model/model_test_util.h"
#include "oracle/torch_oracle.h"

namespace acgs {
namespace {

using nlohmann::json;

// Every float of every output line, concatenated in order.
std::vector<float> floats_of(const std::string& out, const char* key) {
  std::vector<float> values;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line);
    if (j[key].empty() || !j[key][0].is_array()) {
      for (float v : j[key]) values.push_back(v);
      continue;
    }
    for (const auto& row : j[key])
      for (float v : row) values.push_back(v);
  }
  return values;
}

TEST(EmbedCliOracle, MatchesPyTorchOnTokenizedTexts) {
  const test::TempDir tmp;
  const std::string model = (tmp / "tiny").string();
  ASSERT_EQ(test::run_cli("synth --preset tiny --seed 7 --out " + model, "", tmp.path()).exit_code, 0);
  std::string input;
  for (const char* text : {"hello world", "Agent 42 escalates the request to the constitutional reviewer.",
                           "Ünïcödé, 中文, emoji 🤖", "", "rm -rf / --no-preserve-root"})
    input += json{{"text", text}}.dump() + "\n";

  const test::CliResult ids = test::run_cli("tokenize --model " + model + " --max-length 128", input, tmp.path());
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  std::ofstream(tmp / "ids.jsonl") << ids.out;
  const test::TorchOutput torch = test::run_torch_oracle(model, tmp / "ids.jsonl", "--dtype float32 --normalize");
  ASSERT_EQ(torch.hidden.size(), 5u);

  const test::CliResult hidden = test::run_cli("embed --model " + model + " --output hidden", input, tmp.path());
  const test::CliResult pooled = test::run_cli("embed --model " + model + " --normalize", input, tmp.path());
  ASSERT_EQ(hidden.exit_code, 0) << hidden.err;
  ASSERT_EQ(pooled.exit_code, 0) << pooled.err;
  EXPECT_LE(test::max_abs_diff(floats_of(hidden.out, "hidden"), torch.hidden), 1e-4);
  EXPECT_LE(test::max_abs_diff(floats_of(pooled.out, "embedding"), torch.mean), 1e-4);
}

double min_cosine(const std::vector<float>& ours, const std::vector<std::vector<double>>& theirs) {
  const size_t dim = theirs.empty() ? 0 : theirs[0].size();
  if (ours.size() != theirs.size() * dim) return -2;
  double worst = 1;
  for (size_t s = 0; s < theirs.size(); ++s) {
    double dot = 0, a = 0, b = 0;
    for (size_t j = 0; j < dim; ++j) {
      dot += ours[s * dim + j] * theirs[s][j];
      a += double(ours[s * dim + j]) * ours[s * dim + j];
      b += theirs[s][j] * theirs[s][j];
    }
    worst = std::min(worst, dot / std::sqrt(a * b));
  }
  return worst;
}

// Issue 23's gates on every BERT preset, through `embed` without pooling flags (so the directory's
// sentence-transformers pooling, Normalize and max_seq_length apply), against HF BertModel in PyTorch
// followed by the pooling sentence-transformers declares: reference <= 1e-4, cpu <= 1e-3, cpu-int8 pooled
// cosine >= 0.999. Texts longer than minilm-l6's max_seq_length (256) check that it truncates there.
class BertPresetOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(BertPresetOracle, EmbedMatchesPyTorchOnEveryBackend) {
  const test::TempDir tmp;
  const std::string model = (tmp / GetParam()).string();
  ASSERT_EQ(test::run_cli("synth --preset " + GetParam() + " --seed 3 --out " + model, "", tmp.path()).exit_code, 0);
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word" + std::to_string(i % 17) + " ";
  std::string input;
  for (const std::string& text : {std::string("hello world"), std::string("Agent 42 escalates the request."),
                                 std::string("Ünïcödé, 中文"), std::string(""), long_text})
    input += json{{"text", text}}.dump() + "\n";
  const int max_seq = synth_sentence_config(GetParam()).max_seq_length;
  const test::CliResult ids =
      test::run_cli("tokenize --model " + model + " --max-length " + std::to_string(max_seq), input, tmp.path());
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  std::ofstream(tmp / "ids.jsonl") << ids.out;
  const test::TorchOutput torch = test::run_torch_oracle(model, tmp / "ids.jsonl", "--dtype float32 --mode padded");
  ASSERT_EQ(torch.hidden.size(), 5u);
  EXPECT_EQ(torch.hidden[4].size(), size_t(max_seq) * torch.pooled[4].size()) << "the long text fills max_seq_length";

  const auto run = [&](const std::string& args) {
    const test::CliResult r = test::run_cli("embed --model " + model + " " + args, input, tmp.path());
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return r.out;
  };
  const std::string hidden = run("--backend reference --output hidden");
  EXPECT_LE(test::max_abs_diff(floats_of(hidden, "hidden"), torch.hidden), 1e-4);
  EXPECT_LE(test::max_abs_diff(floats_of(run("--backend reference"), "embedding"), torch.pooled), 1e-4);
  EXPECT_LE(test::max_abs_diff(floats_of(run("--backend reference --pooling max --no-normalize"), "embedding"),
                               torch.max),
            1e-4);
  EXPECT_LE(test::max_abs_diff(floats_of(run("--backend cpu --output hidden"), "hidden"), torch.hidden), 1e-3);
  EXPECT_LE(test::max_abs_diff(floats_of(run("--backend cpu"), "embedding"), torch.pooled), 1e-3);
  const double int8_cosine = min_cosine(floats_of(run("--backend cpu-int8"), "embedding"), torch.pooled);
  std::printf("%s cpu-int8 pooled cosine vs PyTorch: %.6f\n", GetParam().c_str(), int8_cosine);
  EXPECT_GE(int8_cosine, 0.999);
}

INSTANTIATE_TEST_SUITE_P(Presets, BertPresetOracle, ::testing::Values("minilm-l6", "bge-small", "bert-base"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

// BertConfig values the presets do not use: hidden_act gelu_new (tanh) and relu, run unfused by the cpu
// backend, and a layer_norm_eps other than 1e-12, on the minilm-l6 shape (head_dim 32).
class BertActivationOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(BertActivationOracle, EmbedMatchesPyTorch) {
  const test::TempDir tmp;
  const std::string model = (tmp / "bert").string();
  ASSERT_EQ(test::run_cli("synth --preset minilm-l6 --seed 9 --out " + model, "", tmp.path()).exit_code, 0);
  std::ifstream config_in(tmp / "bert/config.json");
  json config = json::parse(config_in);
  config["hidden_act"] = GetParam();
  config["layer_norm_eps"] = 1e-6;
  std::ofstream(tmp / "bert/config.json") << config.dump();
  std::string input;
  for (const char* text : {"hello world", "Agent 7 asks for root.", "x"}) input += json{{"text", text}}.dump() + "\n";
  const test::CliResult ids = test::run_cli("tokenize --model " + model, input, tmp.path());
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  std::ofstream(tmp / "ids.jsonl") << ids.out;
  const test::TorchOutput torch = test::run_torch_oracle(model, tmp / "ids.jsonl", "--dtype float32");
  ASSERT_EQ(torch.hidden.size(), 3u);
  for (const auto& [backend, gate] : {std::pair{"reference", 1e-4}, std::pair{"cpu", 1e-3}}) {
    const test::CliResult r =
        test::run_cli("embed --model " + model + " --backend " + backend + " --output hidden", input, tmp.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_LE(test::max_abs_diff(floats_of(r.out, "hidden"), torch.hidden), gate) << backend;
  }
}

INSTANTIATE_TEST_SUITE_P(Activations, BertActivationOracle, ::testing::Values("gelu_new", "relu"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace acgs
