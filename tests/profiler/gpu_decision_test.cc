// The benchmark runner with stand-in models of known cost: a "scorer" that busy-loops 3 ms per message
// (compute-bound by construction) and two "tree models" that take microseconds. Checks the decision,
// the summary and the JSON against the checked-in schema.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/error.h"
#include "json_schema.h"
#include "profiler/gpu_decision.h"
#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

nlohmann::json load_schema() {
  const char* src = std::getenv("ACGS_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/schemas/benchmark_gpu_decision.schema.json");
  EXPECT_TRUE(in.good()) << "schemas/benchmark_gpu_decision.schema.json not found (ACGS_SOURCE_DIR unset?)";
  return nlohmann::json::parse(in);
}

void spin_ms(double ms) {
  const double end = wall_seconds() + ms / 1000.0;
  while (wall_seconds() < end) {
  }
}

Workload stand_in(ModelProfiler& profiler, double scorer_ms, std::set<std::string>* agents = nullptr,
                  std::mutex* mu = nullptr) {
  return [&profiler, scorer_ms, agents, mu](const BenchMessage& m) {
    if (agents) {
      std::lock_guard lock(*mu);
      agents->insert(m.agent_id);
    }
    { auto s = profiler.track("impact_scorer"); spin_ms(scorer_ms); }
    { auto s = profiler.track("anomaly_detector"); spin_ms(0.02); }
    { auto s = profiler.track("compliance_classifier"); spin_ms(0.02); }
  };
}

TEST(GpuDecision, SlowScorerIsComputeBoundAndTreeModelsAreTooFast) {
  ModelProfiler profiler;
  std::set<std::string> agents;
  std::mutex mu;
  int last_done = 0;
  std::string phases;
  GpuDecisionOptions options{.samples = 40, .concurrency = 2, .warmup = 5};
  options.progress = [&](const char* phase, int done, int total) {
    if (phases.find(phase) == std::string::npos) phases += std::string(phase) + " ";
    last_done = done;
    EXPECT_LE(done, total);
  };
  const auto result = run_gpu_decision(profiler, stand_in(profiler, 3.0, &agents, &mu), options,
                                       {{"backend", "stand-in"}});
  const auto errors = acgs::testing::validate_json_schema(load_schema(), result);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors) << "\n" << result.dump(2);

  const auto& matrix = result["gpu_decision_matrix"];
  EXPECT_EQ(matrix["impact_scorer"]["analysis"]["bottleneck_type"], "compute_bound");
  for (const char* tree : {"anomaly_detector", "compliance_classifier"}) {
    EXPECT_EQ(matrix[tree]["analysis"]["bottleneck_type"], "io_bound");
    EXPECT_NE(matrix[tree]["analysis"]["gpu_recommendation"].get<std::string>().find("too fast for GPU benefit"),
              std::string::npos);
  }
  // Warm-up samples were discarded by the reset: exactly the two passes remain.
  EXPECT_EQ(matrix["impact_scorer"]["sample_count"], 80);
  EXPECT_EQ(result["summary"]["overall_recommendation"], "EVALUATE_GPU");
  EXPECT_TRUE(recommends_gpu(result));
  EXPECT_EQ(result["benchmark_info"]["backend"], "stand-in");
  EXPECT_GT(result["throughput"]["sequential_rps"].get<double>(), 0);
  EXPECT_EQ(phases, "warmup sequential concurrent ");
  EXPECT_EQ(last_done, 40);
  for (const auto& a : agents) {
    const int id = std::stoi(a.substr(6));
    EXPECT_TRUE(a.rfind("agent_", 0) == 0 && id >= 1 && id <= 100) << a;
  }
  const std::string summary = format_summary(result);
  EXPECT_NE(summary.find("Recommendation: EVALUATE_GPU"), std::string::npos);
  EXPECT_NE(summary.find("impact_scorer: compute-bound"), std::string::npos) << summary;
}

TEST(GpuDecision, AllFastModelsKeepCpu) {
  ModelProfiler profiler;
  const auto result = run_gpu_decision(profiler, stand_in(profiler, 0.05), {.samples = 30, .concurrency = 2, .warmup = 0});
  EXPECT_TRUE(acgs::testing::validate_json_schema(load_schema(), result).empty()) << result.dump(2);
  EXPECT_EQ(result["summary"]["overall_recommendation"], "KEEP_CPU");
  EXPECT_FALSE(recommends_gpu(result));
}

TEST(GpuDecision, WorkloadErrorsPropagateFromEveryPass) {
  ModelProfiler profiler;
  const Workload broken = [](const BenchMessage&) { fail(ErrorKind::kInternal, "model exploded"); };
  EXPECT_THROW(run_gpu_decision(profiler, broken, {.samples = 5, .concurrency = 3, .warmup = 0}), Error);
  EXPECT_THROW(run_gpu_decision(profiler, broken, {.samples = 0}), Error);
  EXPECT_THROW(run_gpu_decision(profiler, broken, {.concurrency = 0}), Error);
}

TEST(GpuDecision, SampleMessagesAreTheSeedsEight) {
  const auto& all = sample_messages();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[0]["content"], "Critical security breach detected in blockchain consensus layer");
  EXPECT_EQ(all[0]["payload"]["amount"], 50000);
  EXPECT_EQ(all[2]["tools"][1]["name"], "payment_execute");
  EXPECT_FALSE(all[7].contains("tools"));
  MessageGenerator a(9), b(9);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.next().agent_id, b.next().agent_id);
}

TEST(JsonSchemaValidator, ReportsViolations) {
  const auto schema = load_schema();
  nlohmann::json bad = {{"benchmark_info", {{"timestamp", "yesterday"}, {"num_samples", 0}}},
                        {"throughput", {{"sequential_rps", -1}}},
                        {"gpu_decision_matrix", {{"m", {{"model_name", 3}}}}},
                        {"summary", {{"overall_recommendation", "BUY_GPU"}, {"reasons", nlohmann::json::array()}, {"action_items", nlohmann::json::array()}}},
                        {"extra", true}};
  const auto errors = acgs::testing::validate_json_schema(schema, bad);
  const std::string all = ::testing::PrintToString(errors);
  for (const char* expected : {"/benchmark_info/timestamp", "/benchmark_info/num_samples", "missing required",
                               "/throughput/sequential_rps", "/gpu_decision_matrix/m/model_name", "BUY_GPU",
                               "unexpected property 'extra'", "fewer than"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in " << all;
  }
}

}  // namespace
}  // namespace acgs::profiler
