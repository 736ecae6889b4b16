#include "profiler/gpu_decision.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>

#include "common/error.h"
#include "profiler/resource_usage.h"

namespace acgs::profiler {
namespace {

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

// Rate-limits progress callbacks to a few per second (and always reports completion).
class Progress {
 public:
  Progress(const GpuDecisionOptions& options, const char* phase, int total)
      : cb_(options.progress), phase_(phase), total_(total) {}
  void update(int done) {
    if (!cb_) return;
    const double now = wall_seconds();
    double last = last_.load(std::memory_order_relaxed);
    if (done != total_ && now - last < 0.25) return;
    if (!last_.compare_exchange_strong(last, now) && done != total_) return;
    cb_(phase_, done, total_);
  }

 private:
  const std::function<void(const char*, int, int)>& cb_;
  const char* phase_;
  int total_;
  std::atomic<double> last_{0.0};
};

double run_sequential(const Workload& workload, MessageGenerator& gen, int n, Progress& progress) {
  const double start = wall_seconds();
  for (int i = 0; i < n; ++i) {
    workload(gen.next());
    progress.update(i + 1);
  }
  return wall_seconds() - start;
}

double run_concurrent(const Workload& workload, uint64_t seed, int n, int threads, Progress& progress) {
  std::atomic<int> next{0}, done{0};
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex error_mu;
  const double start = wall_seconds();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      MessageGenerator gen(seed + 0x1000u * static_cast<uint64_t>(t + 1));
      try {
        while (next.fetch_add(1) < n) {
          workload(gen.next());
          progress.update(done.fetch_add(1) + 1);
        }
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    });
  }
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  return wall_seconds() - start;
}

void check_options(const GpuDecisionOptions& o) {
  if (o.samples < 1) fail(ErrorKind::kInvalidArgument, "--samples must be at least 1 (default 200)");
  if (o.concurrency < 1) fail(ErrorKind::kInvalidArgument, "--concurrency must be at least 1 (default 4)");
  if (o.warmup < 0) fail(ErrorKind::kInvalidArgument, "--warmup must be 0 or more (default 20)");
}

}  // namespace

nlohmann::json run_gpu_decision(ModelProfiler& profiler, const Workload& workload, const GpuDecisionOptions& options,
                                const nlohmann::json& info_extra) {
  check_options(options);
  MessageGenerator gen(options.seed);
  Progress warm(options, "warmup", options.warmup);
  run_sequential(workload, gen, options.warmup, warm);
  // Warm-up calls (first-touch allocations, lazy model training/loading) must not skew the matrix.
  profiler.reset();

  Progress seq(options, "sequential", options.samples);
  const double seq_s = run_sequential(workload, gen, options.samples, seq);
  Progress conc(options, "concurrent", options.samples);
  const double conc_s = run_concurrent(workload, options.seed, options.samples, options.concurrency, conc);

  const double seq_rps = options.samples / std::max(seq_s, 1e-9);
  const double conc_rps = options.samples / std::max(conc_s, 1e-9);
  nlohmann::json matrix = nlohmann::json::object();
  for (const auto& m : profiler.all_metrics()) matrix[m.model_name] = m.to_json();

  nlohmann::json info = {{"timestamp", utc_timestamp()},
                         {"num_samples", options.samples},
                         {"concurrency", options.concurrency},
                         {"warmup_samples", options.warmup}};
  info.update(info_extra);
  return {{"benchmark_info", info},
          {"throughput",
           {{"sequential_rps", round2(seq_rps)},
            {"concurrent_rps", round2(conc_rps)},
            {"concurrency_scaling", round2(conc_rps / seq_rps)}}},
          {"gpu_decision_matrix", matrix},
          {"summary", summarize(matrix, conc_rps)}};
}

nlohmann::json summarize(const nlohmann::json& decision_matrix, double concurrent_rps) {
  nlohmann::json reasons = nlohmann::json::array(), actions = nlohmann::json::array();
  std::string candidates;
  char line[512];
  for (const auto& [name, m] : decision_matrix.items()) {
    const std::string bottleneck = m.at("analysis").at("bottleneck_type");
    const double p99 = m.at("latency").at("p99_ms");
    const double mean_ms = m.at("latency").at("mean_ms");
    if (bottleneck == "compute_bound") {
      candidates += (candidates.empty() ? "" : ", ") + name;
      std::snprintf(line, sizeof(line), "%s: compute-bound (%.2fms P99, %.1f%% CPU) - GPU may help", name.c_str(),
                    p99, m.at("cpu").value("uncontended_percent", m.at("cpu").at("avg_percent").get<double>()));
    } else if (mean_ms < kLatencyGpuThresholdMs) {
      std::snprintf(line, sizeof(line), "%s: %s (%.3fms mean, %.3fms P99) - too fast for GPU benefit", name.c_str(),
                    bottleneck.c_str(), mean_ms, p99);
    } else {
      std::snprintf(line, sizeof(line), "%s: %s (%.2fms P99) - GPU unlikely to help", name.c_str(),
                    bottleneck.c_str(), p99);
    }
    reasons.push_back(line);
  }
  std::string overall = "KEEP_CPU";
  if (!candidates.empty()) {
    overall = "EVALUATE_GPU";
    actions.push_back("Evaluate the cuda-fp16 backend for: " + candidates +
                      " (rerun this benchmark with --backend cuda-fp16 on a GPU host)");
    actions.push_back("Run an A/B test with GPU inference to measure the actual improvement");
    actions.push_back("Ensure GPU launch and transfer overhead does not exceed the current latency");
  } else {
    std::snprintf(line, sizeof(line), "Current throughput (%.0f RPS) needs no GPU", concurrent_rps);
    reasons.push_back(line);
    actions.push_back("Keep the current CPU implementation");
    actions.push_back("Focus optimization on non-model code paths");
    actions.push_back("Re-evaluate if throughput requirements increase significantly");
  }
  return {{"overall_recommendation", overall}, {"reasons", reasons}, {"action_items", actions}};
}

std::string format_summary(const nlohmann::json& results) {
  const std::string rule(78, '=');
  const auto& s = results.at("summary");
  const auto& t = results.at("throughput");
  char line[256];
  std::string out = rule + "\nEXECUTIVE SUMMARY\n" + rule + "\n\n";
  out += "Recommendation: " + s.at("overall_recommendation").get<std::string>() + "\n\nThroughput:\n";
  std::snprintf(line, sizeof(line), "  - Sequential: %.1f RPS\n  - Concurrent: %.1f RPS\n  - Scaling factor: %.2fx\n\n",
                t.at("sequential_rps").get<double>(), t.at("concurrent_rps").get<double>(),
                t.at("concurrency_scaling").get<double>());
  out += line;
  out += "Analysis:\n";
  for (const auto& r : s.at("reasons")) out += "  * " + r.get<std::string>() + "\n";
  out += "\nAction Items:\n";
  for (const auto& a : s.at("action_items")) out += "  -> " + a.get<std::string>() + "\n";
  out += "\n" + rule + "\n";
  return out;
}

}  // namespace acgs::profiler
