// `acgs-infer benchmark_gpu_decision` end to end: the real binary, its JSON checked against the schema,
// its exit-status contract, and its errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "json_schema.h"

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

class BenchmarkCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("acgs-gpu-decision-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // With private_home, ACGS_HOME points into the test directory, so the tree models train into a fresh
  // cache; without, the run shares the user's cache (the default model is too big to synthesize per test).
  RunResult run(const std::string& args, bool private_home = true) const {
    const std::string home = private_home ? "ACGS_HOME='" + dir_.string() + "/home' " : "";
    const std::string cmd = "cd '" + dir_.string() + "' && " + home + "'" + env_or("ACGS_BINARY_DIR", ".") +
                            "/acgs-infer' benchmark_gpu_decision " + args + " 2>&1";
    RunResult r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
    const int raw = ::pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return r;
  }

  nlohmann::json read_json(const std::string& name) const {
    std::ifstream in(dir_ / name);
    EXPECT_TRUE(in.good()) << name;
    return nlohmann::json::parse(in);
  }

  static nlohmann::json schema() {
    std::ifstream in(env_or("ACGS_SOURCE_DIR", ".") + "/schemas/benchmark_gpu_decision.schema.json");
    return nlohmann::json::parse(in);
  }

  fs::path dir_;
};

TEST_F(BenchmarkCli, HeuristicScorerRunKeepsCpuAndValidates) {
  const auto r = run("--backend heuristic --samples 40 --warmup 4 --concurrency 2 --output out.json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto results = read_json("out.json");
  const auto errors = acgs::testing::validate_json_schema(schema(), results);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors) << results.dump(2);
  const auto& matrix = results["gpu_decision_matrix"];
  for (const char* model : {"impact_scorer", "anomaly_detector", "compliance_classifier"}) {
    ASSERT_TRUE(matrix.contains(model)) << model;
    EXPECT_EQ(matrix[model]["sample_count"], 80) << model;  // both passes, warm-up discarded
  }
  for (const char* tree : {"anomaly_detector", "compliance_classifier"}) {
    EXPECT_NE(matrix[tree]["analysis"]["gpu_recommendation"].get<std::string>().find("too fast for GPU benefit"),
              std::string::npos)
        << matrix[tree].dump();
  }
  EXPECT_EQ(results["summary"]["overall_recommendation"], "KEEP_CPU");
  EXPECT_EQ(results["benchmark_info"]["scorer_mode"], "heuristic");
  EXPECT_NE(r.output.find("GPU ACCELERATION DECISION MATRIX"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("EXECUTIVE SUMMARY"), std::string::npos);
  EXPECT_NE(r.output.find("sequential"), std::string::npos) << "progress lines on stderr";
}

TEST_F(BenchmarkCli, NoSaveWritesNothingAndHelpDocumentsTheExitStatus) {
  const auto r = run("--backend heuristic --samples 5 --warmup 0 --concurrency 1 --no-save");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_NE(entry.path().extension(), ".json") << entry.path();
  }
  const auto help = run("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("Exit status: 1 when the recommendation is EVALUATE_GPU"), std::string::npos) << help.output;
}

TEST_F(BenchmarkCli, BadArgumentsAndModelFilesAreClearErrors) {
  EXPECT_EQ(run("--samples 0").status, 2);
  EXPECT_EQ(run("--metrics-port 70000").status, 2);
  std::ofstream(dir_ / "bad.json") << "not a model";
  const auto r = run("--backend heuristic --samples 5 --no-save --anomaly-model bad.json");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("bad.json could not be loaded"), std::string::npos) << r.output;
}

// The decision the seed made, rerun here with the real DistilBERT-shaped default model on the CPU
// backend: the scorer is compute-bound (exit 1, EVALUATE_GPU), the tree models too fast for a GPU.
TEST_F(BenchmarkCli, DistilBertScorerIsComputeBoundOnCpu) {
  const auto r = run("--backend cpu --samples 16 --warmup 2 --concurrency 2 --output out.json", false);
  ASSERT_EQ(r.status, 1) << r.output;
  const auto results = read_json("out.json");
  EXPECT_TRUE(acgs::testing::validate_json_schema(schema(), results).empty()) << results.dump(2);
  const auto& matrix = results["gpu_decision_matrix"];
  EXPECT_EQ(matrix["impact_scorer"]["analysis"]["bottleneck_type"], "compute_bound") << matrix.dump(2);
  for (const char* tree : {"anomaly_detector", "compliance_classifier"}) {
    EXPECT_NE(matrix[tree]["analysis"]["gpu_recommendation"].get<std::string>().find("too fast for GPU benefit"),
              std::string::npos);
  }
  EXPECT_EQ(results["summary"]["overall_recommendation"], "EVALUATE_GPU");
}

}  // namespace
