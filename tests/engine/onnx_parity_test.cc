// ONNX import parity: the tiny synthetic model exported by PyTorch (tools/oracle/export_onnx_variants.py:
// opset 14, dynamic axes, constant folding) in both naming styles and with external data, loaded by our
// engine on the reference backend, must match ONNX Runtime's own output on the same file (npm
// onnxruntime-node, tools/oracle/ort_run.js) within 1e-4; `convert` must write the same weights back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "cli/cli_test_util.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "model/model_files.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

fs::path source_dir() { return std::getenv("ACGS_SOURCE_DIR"); }

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class OnnxParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir();
    const fs::path out = *tmp_ / "onnx";
    const std::string cmd = "/usr/bin/python3 " + (source_dir() / "tools/oracle/export_onnx_variants.py").string() +
                            " --model " + test::tiny_model_dir().string() + " --out " + out.string() + " 2>" +
                            (*tmp_ / "export.log").string();
    ASSERT_EQ(run(cmd), 0) << test::read_file(*tmp_ / "export.log");
    // The external-data export becomes an optimum-style folder: model.onnx with the tokenizer beside it.
    for (const char* name : {"tokenizer.json", "vocab.txt"})
      fs::copy_file(test::tiny_model_dir() / name, out / "external" / name);
  }
  static void TearDownTestSuite() { delete tmp_; }

  // ORT's last_hidden_state for each sequence, run alone.
  static std::vector<std::vector<float>> ort_hidden(const fs::path& onnx,
                                                    const std::vector<std::vector<int32_t>>& seqs) {
    std::string ids;
    for (const auto& s : seqs) ids += nlohmann::json(s).dump() + "\n";
    test::write_text(*tmp_ / "ids.jsonl", ids);
    const std::string cmd = "cd " + (source_dir() / "tools/oracle").string() + " && node ort_run.js --model " +
                            onnx.string() + " <" + (*tmp_ / "ids.jsonl").string() + " >" +
                            (*tmp_ / "ort.jsonl").string() + " 2>" + (*tmp_ / "ort.log").string();
    EXPECT_EQ(run(cmd), 0) << test::read_file(*tmp_ / "ort.log");
    std::vector<std::vector<float>> out;
    std::istringstream in(test::read_file(*tmp_ / "ort.jsonl"));
    for (std::string line; std::getline(in, line);) {
      std::vector<float> flat;
      // Named: a range-for over a member of a temporary would dangle (the temporary dies before the loop).
      const nlohmann::json parsed = nlohmann::json::parse(line);
      for (const auto& row : parsed["last_hidden_state"])
        for (const auto& v : row) flat.push_back(v.get<float>());
      out.push_back(flat);
    }
    return out;
  }

  void expect_parity(const fs::path& model_arg, const fs::path& onnx_file) {
    EngineOptions o;
    o.backend = "reference";
    const auto engine = Engine::open(model_arg.string(), o);
    EXPECT_EQ(engine->files().format, "onnx");
    std::mt19937 rng(5);
    std::vector<std::vector<int32_t>> seqs = {{101, 102}, {101, 7592, 2088, 102}};
    for (int len : {1, 9, 33, 77}) {
      std::vector<int32_t> s(static_cast<size_t>(len));
      for (auto& id : s) id = static_cast<int32_t>(rng() % engine->config().vocab_size);
      seqs.push_back(s);
    }
    TokenBatch batch;
    for (const auto& s : seqs) batch.add(s);
    const std::vector<float> ours = engine->forward(batch);
    const auto theirs = ort_hidden(onnx_file, seqs);
    ASSERT_EQ(theirs.size(), seqs.size());
    const size_t dim = static_cast<size_t>(engine->config().dim);
    double worst = 0;
    for (size_t s = 0; s < seqs.size(); ++s) {
      ASSERT_EQ(theirs[s].size(), seqs[s].size() * dim);
      for (size_t i = 0; i < theirs[s].size(); ++i)
        worst = std::max(worst,
                         std::fabs(double(ours[static_cast<size_t>(batch.offsets[s]) * dim + i]) - theirs[s][i]));
    }
    EXPECT_LE(worst, 1e-4) << model_arg;
    RecordProperty("max_abs_diff_" + model_arg.filename().string(), std::to_string(worst));
  }

  static inline test::TempDir* tmp_ = nullptr;
};

TEST_F(OnnxParity, DistilBertModelNames) { expect_parity(*tmp_ / "onnx/plain.onnx", *tmp_ / "onnx/plain.onnx"); }

TEST_F(OnnxParity, PrefixedForSequenceClassification) {
  expect_parity(*tmp_ / "onnx/prefixed.onnx", *tmp_ / "onnx/prefixed.onnx");
}

TEST_F(OnnxParity, ExternalDataInAnOptimumFolder) {
  expect_parity(*tmp_ / "onnx/external", *tmp_ / "onnx/external/model.onnx");
}

TEST_F(OnnxParity, ImportedWeightsAreTheExportedOnes) {
  const ModelWeights original = load_weights(locate_model(test::tiny_model_dir()));
  for (const char* variant : {"plain.onnx", "prefixed.onnx", "external"}) {
    EngineOptions o;
    o.backend = "reference";
    const auto engine = Engine::open((*tmp_ / "onnx" / variant).string(), o);
    const ModelConfig& c = engine->config();
    EXPECT_EQ(c.n_layers, original.config.n_layers) << variant;
    EXPECT_EQ(c.n_heads, original.config.n_heads) << variant;
    EXPECT_EQ(c.hidden_dim, original.config.hidden_dim) << variant;
    EXPECT_EQ(engine->status_json()["model"]["format"], "onnx");
  }
}

TEST_F(OnnxParity, ConvertWritesAnEquivalentHuggingFaceFolder) {
  const fs::path out = *tmp_ / "converted";
  const test::CliResult r =
      test::run_cli("convert --model " + (*tmp_ / "onnx/prefixed.onnx").string() + " --out " + out.string(), "",
                    tmp_->path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ModelWeights original = load_weights(locate_model(test::tiny_model_dir()));
  const ModelWeights converted = load_weights(locate_model(out));
  const auto a = tensor_slots(original);
  const auto b = tensor_slots(converted);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tensor->shape, b[i].tensor->shape) << a[i].name;
    EXPECT_EQ(a[i].tensor->data, b[i].tensor->data) << a[i].name;
  }
}

}  // namespace
}  // namespace acgs
