// ONNX import of BERT exports (issue 23, under issue 21's rule): the matrix of
// tools/oracle/export_onnx_bert.py (the PyTorch BERT oracle exported with torch.onnx.export, opset 14: head_dim
// 32 and 64, gelu and relu, with and without a `bert.` wrapper, token_type_ids as an input or made in the graph
// from zeros_like or transformers' buffers), no config.json beside them. Each file must import as model_type
// bert with the exported config and match ONNX Runtime on the same file within 1e-4 through `embed`, and again
// after `convert`. What the importer cannot run (the tanh GELU) and a config.json that contradicts the graph
// are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "engine/onnx_matrix.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::onnx_matrix_texts_jsonl;

class OnnxBert : public test::OnnxMatrixTest {
 protected:
  static void SetUpTestSuite() { load_matrix("export_onnx_bert.py"); }

  // A copy of matrix file `name` with `config` as its config.json (the manifest's, as optimum writes it).
  static fs::path with_config(const std::string& name, json config, const std::string& copy_name) {
    const fs::path from = matrix_->dir(matrix_->entry(name)), copy = tmp_->path() / copy_name;
    fs::create_directories(copy);
    for (const char* f : {"model.onnx", "vocab.txt"}) fs::copy_file(from / f, copy / f);
    for (const char* f : {"name", "prefixed", "token_types"}) config.erase(f);
    test::write_text(copy / "config.json", config.dump());
    return copy;
  }
};

TEST_F(OnnxBert, EveryExportImportsItsConfigAndMatchesOnnxRuntime) {
  int checked = 0;
  double worst = 0;
  for (const json& m : matrix_->manifest) {
    if (m["hidden_act"] == "gelu_new") continue;
    const std::string name = m["name"];
    SCOPED_TRACE(name);
    const double embedded = matrix_->embed_vs_ort(matrix_->dir(m).string(), name);
    EXPECT_LE(embedded, 1e-4);

    const test::CliResult r = matrix_->convert(m);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json config = json::parse(test::read_file(matrix_->converted(m) / "config.json"));
    for (const char* f : {"model_type", "hidden_size", "num_attention_heads", "num_hidden_layers", "intermediate_size",
                          "hidden_act", "type_vocab_size", "vocab_size", "max_position_embeddings"})
      EXPECT_EQ(config[f], m[f]) << f;
    EXPECT_FLOAT_EQ(config["layer_norm_eps"].get<float>(), m["layer_norm_eps"].get<float>());
    const double reloaded = matrix_->embed_vs_ort(matrix_->converted(m).string(), name);
    EXPECT_LE(reloaded, 1e-4);
    worst = std::max({worst, embedded, reloaded});
    ++checked;
  }
  EXPECT_EQ(checked, 5);
  RecordProperty("max_abs_diff", std::to_string(worst));
}

// The Tanh is found but its constants are not checked, so gelu_new is refused, with the way out.
TEST_F(OnnxBert, TheTanhGeluIsRefusedWithTheFix) {
  const fs::path tanh_gelu = matrix_->dir(matrix_->entry("gelu_new_input_h2_d32"));
  const test::CliResult r = test::run_cli("embed --model " + tanh_gelu.string(), onnx_matrix_texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  for (const char* needle : {"model.onnx", "the FFN activation is gelu_tanh", "exact (erf) GELU or ReLU",
                             "load the PyTorch checkpoint's folder instead"})
    EXPECT_NE(r.err.find(needle), std::string::npos) << "should say '" << needle << "': " << r.err;
}

TEST_F(OnnxBert, ConfigJsonBesideTheFileAgreesOrIsRefused) {
  const json& m = matrix_->entry("relu_prefixed_zeros_like_h3_d32");
  EXPECT_LE(matrix_->embed_vs_ort(with_config(m["name"], m, "agreeing").string(), m["name"]), 1e-4);

  json heads = m;
  heads["num_attention_heads"] = 6;
  const fs::path contradicted = with_config(m["name"], heads, "contradicted");
  test::CliResult r = test::run_cli("embed --model " + contradicted.string(), onnx_matrix_texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  for (const std::string& needle :
       std::vector<std::string>{"the sources of the attention head count disagree", "3 from",
                                "6 from " + (contradicted / "config.json").string() + " num_attention_heads"})
    EXPECT_NE(r.err.find(needle), std::string::npos) << "should say '" << needle << "': " << r.err;

  json distilbert = {{"model_type", "distilbert"}, {"dim", m["hidden_size"]}, {"n_heads", 3}, {"n_layers", 2},
                     {"hidden_dim", 80}, {"vocab_size", m["vocab_size"]},
                     {"max_position_embeddings", m["max_position_embeddings"]}};
  r = test::run_cli("embed --model " + with_config(m["name"], distilbert, "distilbert").string(),
                    onnx_matrix_texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("says model_type distilbert but the graph is a bert encoder (it has a token-type embedding)"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace acgs
