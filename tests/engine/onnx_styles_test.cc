// ONNX import across export styles (issue 21): the matrix of tools/oracle/export_onnx_styles.py (PyTorch
// torch.onnx.export, opset 14: head splits with constant shapes, a run-time head_dim, -1 entries, with and
// without a `distilbert.` wrapper; head counts 1 to 16, head_dim 16/32/64), no config.json beside them.
// Each file must import with the exported head count and match ONNX Runtime on the same file within
// 1e-4 through `embed`, and again after `convert`. A file that states its head count nowhere must be
// refused with the error that names the Reshape and asks for config.json, and config.json must then be
// enough; a config.json that contradicts the graph is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/onnx_matrix.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::onnx_matrix_texts_jsonl;

class OnnxStyles : public test::OnnxMatrixTest {
 protected:
  static void SetUpTestSuite() { load_matrix("export_onnx_styles.py"); }

  static fs::path dir(const json& entry) { return matrix_->dir(entry); }
  static const json& entry(const std::string& name) { return matrix_->entry(name); }
  static double embed_vs_ort(const std::string& model, const std::string& name) {
    return matrix_->embed_vs_ort(model, name);
  }

  static void write_config(const json& m, int n_heads, const fs::path& to) {
    json c = {{"model_type", "distilbert"}, {"activation", "gelu"}, {"n_heads", n_heads}};
    for (const char* f : {"vocab_size", "dim", "n_layers", "hidden_dim", "max_position_embeddings", "pad_token_id"})
      c[f] = m[f];
    test::write_text(to / "config.json", c.dump());
  }
};

TEST_F(OnnxStyles, EveryExportStyleImportsItsHeadCountAndMatchesOnnxRuntime) {
  int checked = 0;
  double worst = 0;
  for (const json& m : matrix_->manifest) {
    if (m["style"] != "constant" && m["style"] != "dynamic" && m["style"] != "heads_minus1" &&
        m["style"] != "head_dim_minus1")
      continue;
    const std::string name = m["name"];
    SCOPED_TRACE(name);
    const double embedded = embed_vs_ort(dir(m).string(), name);
    EXPECT_LE(embedded, 1e-4);

    const test::CliResult r = matrix_->convert(m);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["n_heads"], m["n_heads"]);
    const json config = json::parse(test::read_file(matrix_->converted(m) / "config.json"));
    for (const char* f : {"n_heads", "dim", "n_layers", "hidden_dim", "vocab_size", "max_position_embeddings"})
      EXPECT_EQ(config[f], m[f]) << f;
    const double reloaded = embed_vs_ort(matrix_->converted(m).string(), name);
    EXPECT_LE(reloaded, 1e-4);
    worst = std::max({worst, embedded, reloaded});
    ++checked;
  }
  EXPECT_EQ(checked, 24);
  RecordProperty("max_abs_diff", std::to_string(worst));
}

TEST_F(OnnxStyles, AnUnprovableHeadCountIsRefusedWithTheFix) {
  const json& m = entry("unprovable_h4_d16");
  for (const std::string& command :
       std::vector<std::string>{"embed --model ", "convert --out " + (*tmp_ / "refused").string() + " --model "}) {
    const test::CliResult r = test::run_cli(command + dir(m).string(), onnx_matrix_texts_jsonl(), tmp_->path());
    EXPECT_NE(r.exit_code, 0) << command;
    for (const char* needle : {"the attention head count cannot be proven",
                               "Reshape '/transformer/layer.0/attention/Reshape'", "config.json", "beside model.onnx"})
      EXPECT_NE(r.err.find(needle), std::string::npos) << command << " should say '" << needle << "': " << r.err;
  }
  EXPECT_FALSE(fs::exists(*tmp_ / "refused" / "config.json"));
}

// eps 1e-5 is read from the graph (ORT agrees); a DistilBERT config.json cannot carry it, so `convert`
// refuses rather than write a folder that loads back with 1e-12.
TEST_F(OnnxStyles, AnotherLayerNormEpsIsReadAndNotLostInConvert) {
  const json& m = entry("eps_h4_d16");
  EXPECT_LE(embed_vs_ort(dir(m).string(), m["name"]), 1e-4);
  const test::CliResult r = test::run_cli(
      "convert --model " + dir(m).string() + " --out " + (*tmp_ / "eps_converted").string(), "", tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("LayerNorms use eps 1e-05, which a DistilBERT config.json cannot state"), std::string::npos)
      << r.err;
}

// Scores divided by head_dim: the Reshape proves 4 heads of 16, the scale would need head_dim 256.
TEST_F(OnnxStyles, AScaleOtherThanOneOverSqrtHeadDimIsRefused) {
  const test::CliResult r = test::run_cli("embed --model " + dir(entry("wrong_scale_h4_d16")).string(),
                                          onnx_matrix_texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("layer 0: the attention scores are scaled by 0.0625, not by 1/sqrt(head_dim)"),
            std::string::npos)
      << r.err;
}

TEST_F(OnnxStyles, ConfigJsonBesideTheFileProvesTheHeadCount) {
  const json& m = entry("unprovable_h4_d16");
  const fs::path copy = *tmp_ / "with_config";
  fs::create_directories(copy);
  for (const char* f : {"model.onnx", "vocab.txt"}) fs::copy_file(dir(m) / f, copy / f);
  write_config(m, 4, copy);
  EXPECT_LE(embed_vs_ort(copy.string(), m["name"]), 1e-4);
}

TEST_F(OnnxStyles, ConfigJsonThatContradictsTheGraphIsRefused) {
  const json& m = entry("dynamic_h8_d16");
  const fs::path copy = *tmp_ / "contradicted";
  fs::create_directories(copy);
  for (const char* f : {"model.onnx", "vocab.txt"}) fs::copy_file(dir(m) / f, copy / f);
  write_config(m, 4, copy);
  const test::CliResult r = test::run_cli("embed --model " + copy.string(), onnx_matrix_texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  for (const std::string& needle :
       std::vector<std::string>{"the sources of the attention head count disagree", "8 from",
                                "4 from " + (copy / "config.json").string() + " n_heads", "fix "})
    EXPECT_NE(r.err.find(needle), std::string::npos) << "should say '" << needle << "': " << r.err;
}

}  // namespace
}  // namespace acgs
