#pragma once
// A matrix of ONNX files written by an oracle export script (tools/oracle/export_onnx_*.py: OUT/<name>/
// model.onnx + vocab.txt, OUT/manifest.json), with ONNX Runtime's hidden states for each file on the same
// texts, and our `embed` compared against them. Shared by the ONNX import tests of each model family.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_test_util.h"
#include "model/model_test_util.h"

namespace acgs::test {

// Words of the export scripts' shared vocabulary (export_onnx_styles.py VOCAB), so nothing maps to [UNK].
inline const char* const kOnnxMatrixTexts[] = {"the head count", "is proven, not guessed!", "an onnx model",
                                               "attention split attention split attention split the head", "x"};

inline std::string onnx_matrix_texts_jsonl() {
  std::string s;
  for (const char* t : kOnnxMatrixTexts) s += nlohmann::json{{"text", t}}.dump() + "\n";
  return s;
}

inline int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class OnnxMatrix {
 public:
  // One line of hidden states per text: token-major floats.
  using Hidden = std::vector<std::vector<float>>;

  // Runs tools/oracle/`script` --out tmp/matrix, then ONNX Runtime on every file (one node process).
  // Fails the calling test (gtest fatal failure) when either oracle fails.
  void load(const std::string& script, const TempDir& tmp) {
    tmp_ = tmp.path();
    const std::filesystem::path source = std::getenv("ACGS_SOURCE_DIR");
    const std::string log = (tmp_ / "oracle.log").string();
    ASSERT_EQ(run_shell("/usr/bin/python3 " + (source / "tools/oracle" / script).string() + " --out " +
                        (tmp_ / "matrix").string() + " 2>" + log),
              0)
        << read_file(log);
    manifest = nlohmann::json::parse(read_file(tmp_ / "matrix" / "manifest.json"));

    // Every file shares the vocabulary: tokenize once.
    const CliResult tok =
        run_cli("tokenize --max-length 40 --model " + dir(manifest[0]).string(), onnx_matrix_texts_jsonl(), tmp_);
    ASSERT_EQ(tok.exit_code, 0) << tok.err;
    std::string ids, models;
    std::istringstream lines(tok.out);
    for (std::string line; std::getline(lines, line);) ids += nlohmann::json::parse(line)["ids"].dump() + "\n";
    for (const nlohmann::json& m : manifest) models += " --model " + (dir(m) / "model.onnx").string();
    write_text(tmp_ / "ids.jsonl", ids);
    ASSERT_EQ(run_shell("cd " + (source / "tools/oracle").string() + " && node ort_run.js" + models + " <" +
                        (tmp_ / "ids.jsonl").string() + " >" + (tmp_ / "ort.jsonl").string() + " 2>" + log),
              0)
        << read_file(log);
    std::istringstream ort(read_file(tmp_ / "ort.jsonl"));
    for (std::string line; std::getline(ort, line);) {
      const nlohmann::json j = nlohmann::json::parse(line);
      std::vector<float> flat;
      for (const nlohmann::json& row : j["last_hidden_state"])
        for (const nlohmann::json& v : row) flat.push_back(v.get<float>());
      ort_[std::filesystem::path(j["model"].get<std::string>()).parent_path().filename().string()].push_back(
          std::move(flat));
    }
  }

  std::filesystem::path dir(const nlohmann::json& entry) const {
    return tmp_ / "matrix" / entry["name"].get<std::string>();
  }

  const nlohmann::json& entry(const std::string& name) const {
    for (const nlohmann::json& m : manifest)
      if (m["name"] == name) return m;
    throw std::runtime_error("no matrix file " + name);
  }

  // `convert` of matrix file `entry`'s model.onnx into converted(entry).
  CliResult convert(const nlohmann::json& entry) const {
    return run_cli("convert --model " + (dir(entry) / "model.onnx").string() + " --out " + converted(entry).string(),
                   "", tmp_);
  }
  std::filesystem::path converted(const nlohmann::json& entry) const {
    return tmp_ / "converted" / entry["name"].get<std::string>();
  }

  // `embed --output hidden` on the reference backend; the largest difference to ORT's hidden states for
  // matrix file `name` on the same texts (infinity when the shapes differ).
  double embed_vs_ort(const std::string& model, const std::string& name) const {
    const CliResult r = run_cli("embed --backend reference --output hidden --max-length 40 --model " + model,
                                onnx_matrix_texts_jsonl(), tmp_);
    EXPECT_EQ(r.exit_code, 0) << model << ": " << r.err;
    const Hidden& theirs = ort_.at(name);
    std::istringstream lines(r.out);
    double worst = 0;
    size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
      std::vector<float> ours;
      // Named: a range-for over a member of a temporary would dangle.
      const nlohmann::json parsed = nlohmann::json::parse(line);
      for (const nlohmann::json& row : parsed["hidden"])
        for (const nlohmann::json& v : row) ours.push_back(v.get<float>());
      if (n >= theirs.size() || ours.size() != theirs[n].size()) return INFINITY;
      for (size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::fabs(double(ours[i]) - theirs[n][i]));
    }
    return n == theirs.size() ? worst : INFINITY;
  }

  nlohmann::json manifest;

 private:
  std::filesystem::path tmp_;
  std::map<std::string, Hidden> ort_;
};

// A test suite over one matrix: its SetUpTestSuite calls load_matrix(script); every test reads matrix_.
class OnnxMatrixTest : public ::testing::Test {
 protected:
  static void load_matrix(const std::string& script) {
    tmp_ = new TempDir();
    matrix_ = new OnnxMatrix();
    matrix_->load(script, *tmp_);
  }
  static void TearDownTestSuite() {
    delete matrix_;
    delete tmp_;
  }

  static inline TempDir* tmp_ = nullptr;
  static inline OnnxMatrix* matrix_ = nullptr;
};

}  // namespace acgs::test
