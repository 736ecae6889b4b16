// ONNX import across export styles (issue 21): the matrix of tools/oracle/export_onnx_styles.py (PyTorch
// torch.onnx.export, opset 14: head splits with constant shapes, a run-time head_dim, -1 entries, with and
// without a `distilbert.` wrapper; head counts 1 to 16, head_dim 16/32/64), no config.json beside them.
// Each file must import with the exported head count and match ONNX Runtime on the same file within
// 1e-4 through `embed`, and again after `convert`. A file that states its head count nowhere must be
// refused with the error that names the Reshape and asks for config.json, and config.json must then be
// enough; a config.json that contradicts the graph is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_test_util.h"
#include "model/model_test_util.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kTexts[] = {"the head count", "is proven, not guessed!", "an onnx model",
                              "attention split attention split attention split the head", "x"};

std::string texts_jsonl() {
  std::string s;
  for (const char* t : kTexts) s += json{{"text", t}}.dump() + "\n";
  return s;
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// One line of hidden states per text: token-major floats.
using Hidden = std::vector<std::vector<float>>;

class OnnxStyles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir();
    const fs::path source = std::getenv("ACGS_SOURCE_DIR");
    const fs::path out = *tmp_ / "styles";
    const std::string log = (*tmp_ / "oracle.log").string();
    ASSERT_EQ(run("/usr/bin/python3 " + (source / "tools/oracle/export_onnx_styles.py").string() + " --out " +
                  out.string() + " 2>" + log),
              0)
        << test::read_file(log);
    manifest_ = json::parse(test::read_file(out / "manifest.json"));

    // Every file shares the vocabulary: tokenize once, then one ONNX Runtime process for the whole matrix.
    const test::CliResult tok = test::run_cli(
        "tokenize --max-length 40 --model " + dir(manifest_[0]).string(), texts_jsonl(), tmp_->path());
    ASSERT_EQ(tok.exit_code, 0) << tok.err;
    std::string ids, models;
    std::istringstream lines(tok.out);
    for (std::string line; std::getline(lines, line);) ids += json::parse(line)["ids"].dump() + "\n";
    for (const json& m : manifest_) models += " --model " + (dir(m) / "model.onnx").string();
    test::write_text(*tmp_ / "ids.jsonl", ids);
    ASSERT_EQ(run("cd " + (source / "tools/oracle").string() + " && node ort_run.js" + models + " <" +
                  (*tmp_ / "ids.jsonl").string() + " >" + (*tmp_ / "ort.jsonl").string() + " 2>" + log),
              0)
        << test::read_file(log);
    std::istringstream ort(test::read_file(*tmp_ / "ort.jsonl"));
    for (std::string line; std::getline(ort, line);) {
      const json j = json::parse(line);
      std::vector<float> flat;
      for (const json& row : j["last_hidden_state"])
        for (const json& v : row) flat.push_back(v.get<float>());
      ort_[fs::path(j["model"].get<std::string>()).parent_path().filename().string()].push_back(std::move(flat));
    }
  }
  static void TearDownTestSuite() { delete tmp_; }

  static fs::path dir(const json& entry) { return *tmp_ / "styles" / entry["name"].get<std::string>(); }

  static const json& entry(const std::string& name) {
    for (const json& m : manifest_)
      if (m["name"] == name) return m;
    throw std::runtime_error("no matrix file " + name);
  }

  // `embed --output hidden` on the reference backend; the largest difference to ORT on the same texts.
  static double embed_vs_ort(const std::string& model, const std::string& name) {
    const test::CliResult r = test::run_cli("embed --backend reference --output hidden --max-length 40 --model " +
                                                model, texts_jsonl(), tmp_->path());
    EXPECT_EQ(r.exit_code, 0) << model << ": " << r.err;
    const Hidden& theirs = ort_.at(name);
    std::istringstream lines(r.out);
    double worst = 0;
    size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
      std::vector<float> ours;
      // Named: a range-for over a member of a temporary would dangle.
      const json parsed = json::parse(line);
      for (const json& row : parsed["hidden"])
        for (const json& v : row) ours.push_back(v.get<float>());
      if (n >= theirs.size() || ours.size() != theirs[n].size()) return INFINITY;
      for (size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::fabs(double(ours[i]) - theirs[n][i]));
    }
    return n == theirs.size() ? worst : INFINITY;
  }

  static void write_config(const json& m, int n_heads, const fs::path& to) {
    json c = {{"model_type", "distilbert"}, {"activation", "gelu"}, {"n_heads", n_heads}};
    for (const char* f : {"vocab_size", "dim", "n_layers", "hidden_dim", "max_position_embeddings", "pad_token_id"})
      c[f] = m[f];
    test::write_text(to / "config.json", c.dump());
  }

  static inline test::TempDir* tmp_ = nullptr;
  static inline json manifest_;
  static inline std::map<std::string, Hidden> ort_;
};

TEST_F(OnnxStyles, EveryExportStyleImportsItsHeadCountAndMatchesOnnxRuntime) {
  int checked = 0;
  double worst = 0;
  for (const json& m : manifest_) {
    if (m["style"] != "constant" && m["style"] != "dynamic" && m["style"] != "heads_minus1" &&
        m["style"] != "head_dim_minus1")
      continue;
    const std::string name = m["name"];
    SCOPED_TRACE(name);
    const double embedded = embed_vs_ort(dir(m).string(), name);
    EXPECT_LE(embedded, 1e-4);

    const fs::path converted = *tmp_ / "converted" / name;
    const test::CliResult r =
        test::run_cli("convert --model " + (dir(m) / "model.onnx").string() + " --out " + converted.string(), "",
                      tmp_->path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["n_heads"], m["n_heads"]);
    const json config = json::parse(test::read_file(converted / "config.json"));
    for (const char* f : {"n_heads", "dim", "n_layers", "hidden_dim", "vocab_size", "max_position_embeddings"})
      EXPECT_EQ(config[f], m[f]) << f;
    const double reloaded = embed_vs_ort(converted.string(), name);
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
    const test::CliResult r = test::run_cli(command + dir(m).string(), texts_jsonl(), tmp_->path());
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
  const test::CliResult r = test::run_cli("embed --model " + dir(entry("wrong_scale_h4_d16")).string(), texts_jsonl(),
                                          tmp_->path());
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
  const test::CliResult r = test::run_cli("embed --model " + copy.string(), texts_jsonl(), tmp_->path());
  EXPECT_NE(r.exit_code, 0);
  for (const std::string& needle :
       std::vector<std::string>{"the sources of the attention head count disagree", "8 from",
                                "4 from " + (copy / "config.json").string() + " n_heads", "fix "})
    EXPECT_NE(r.err.find(needle), std::string::npos) << "should say '" << needle << "': " << r.err;
}

}  // namespace
}  // namespace acgs
