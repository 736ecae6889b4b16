// ONNX export: the file reads back through our importer as the same model and runs the same; an
// unwritable destination is a clear error; `convert --out X.onnx` exports. (ONNX Runtime and the onnx
// checker judge the graph itself in tests/python/test_onnx_export.py.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/model_source.h"
#include "model/onnx/onnx_export.h"
#include "model/onnx/onnx_import.h"
#include "model/synth.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

std::vector<float> reference_embeddings(const std::string& model) {
  EngineOptions options;
  options.backend = "reference";
  const std::vector<std::string> texts = {"governance policy vote", "", "héllo wörld, a longer text with more tokens"};
  return Engine::open(model, options)->embed(texts);
}

TEST(OnnxExport, ReadsBackAsTheSameModel) {
  test::TempDir tmp;
  const LoadedModel source = load_model(test::tiny_model_dir().string());
  const OnnxExportResult result = export_onnx(*source.weights, tmp / "m.onnx");
  EXPECT_EQ(result.bytes, fs::file_size(tmp / "m.onnx"));
  EXPECT_EQ(result.sha256.size(), 64u);
  EXPECT_EQ(reference_embeddings((tmp / "m.onnx").string()), reference_embeddings(test::tiny_model_dir().string()));
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1)
      << "no temporary file may be left behind";
}

TEST(OnnxExport, UnwritableDestinationSaysSo) {
  test::TempDir tmp;
  const LoadedModel source = load_model(test::tiny_model_dir().string());
  test::expect_error([&] { export_onnx(*source.weights, tmp / "no-such-dir" / "m.onnx"); },
                     ErrorKind::kInvalidArgument, {"cannot write the ONNX model", "no-such-dir"});
}

TEST(OnnxExport, ConvertToAnOnnxFile) {
  test::TempDir tmp;
  const fs::path out = tmp / "exported.onnx";
  const test::CliResult r =
      test::run_cli("convert --model " + test::tiny_model_dir().string() + " --out " + out.string(), "", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "onnx");
  EXPECT_EQ(j["opset"], kOnnxExportOpset);
  EXPECT_EQ(reference_embeddings(out.string()), reference_embeddings(test::tiny_model_dir().string()));
}

// A graph whose LayerNorms add 1e-5 to the variance imports with that eps, not DistilBERT's default,
// and a config.json beside it that says otherwise is an error rather than silently different numbers.
TEST(OnnxExport, LayerNormEpsIsReadFromTheGraph) {
  test::TempDir tmp;
  ModelWeights w = synth_weights(synth_preset("tiny"), 3);
  w.config.layer_norm_eps = 1e-5f;
  export_onnx(w, tmp / "m.onnx");
  EXPECT_EQ(load_onnx_weights(tmp / "m.onnx", {}).config.layer_norm_eps, 1e-5f);
  test::expect_error([&] { load_onnx_weights(tmp / "m.onnx", test::tiny_model_dir() / "config.json"); },
                     ErrorKind::kInvalidModel, {"m.onnx", "the sources of the LayerNorm epsilon disagree", "1e-05 from the embeddings LayerNorm",
                      "1e-12 from", "config.json"});
}

}  // namespace
}  // namespace acgs
