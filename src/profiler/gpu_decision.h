#pragma once
// The seed's GPU-decision benchmark run (benchmark_gpu_decision.py), independent of which models run:
// warm-up, profiler reset, a sequential pass and a concurrent pass over random sample messages, then the
// decision matrix (each model's ProfilingMetrics) and the executive summary.
//
// The workload processes one message the way the agent bus does and tracks each model call under its own
// name in the profiler (impact_scorer, anomaly_detector, compliance_classifier). It must be thread-safe.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "profiler/model_profiler.h"
#include "profiler/sample_messages.h"

namespace acgs::profiler {

using Workload = std::function<void(const BenchMessage& message)>;

struct GpuDecisionOptions {
  int samples = 200;      // messages per pass
  int concurrency = 4;    // threads in the concurrent pass
  int warmup = 20;        // messages before the profiler reset
  uint64_t seed = 42;     // message/agent choice
  // Called with ("warmup" | "sequential" | "concurrent", done, total) at most a few times per second.
  std::function<void(const char* phase, int done, int total)> progress = nullptr;
};

// benchmark_info{timestamp, num_samples, concurrency, warmup_samples, + info_extra},
// throughput{sequential_rps, concurrent_rps, concurrency_scaling}, gpu_decision_matrix{model: to_dict},
// summary{overall_recommendation, reasons, action_items}.
nlohmann::json run_gpu_decision(ModelProfiler& profiler, const Workload& workload, const GpuDecisionOptions& options,
                                const nlohmann::json& info_extra = nlohmann::json::object());

// The seed's _generate_summary: EVALUATE_GPU when any model is compute-bound, else KEEP_CPU.
nlohmann::json summarize(const nlohmann::json& decision_matrix, double concurrent_rps);

// The seed's executive summary block for the console.
std::string format_summary(const nlohmann::json& results);

inline bool recommends_gpu(const nlohmann::json& results) {
  return results.at("summary").at("overall_recommendation") == "EVALUATE_GPU";
}

}  // namespace acgs::profiler
