// End to end as a user runs it: texts -> `acgs-infer tokenize` -> PyTorch oracle, against
// `acgs-infer embed` on the same texts (default backend): hidden states and normalized mean embeddings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
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

}  // namespace
}  // namespace acgs
