#pragma once
// ModelProfiler: per-call profiling of model inference for the GPU-vs-CPU decision (the seed's
// enhanced_agent_bus.profiling.ModelProfiler, made bounded and lock-free to look up).
//
//   ModelProfiler profiler;
//   { auto scope = profiler.track("impact_scorer"); scorer.score(msg); }   // RAII
//   auto scored = profiler.profile("compliance_classifier", [&](auto& f) { return clf.predict(f); });
//   profiler.metrics("impact_scorer")->to_json();
//
// Each call records wall time, process CPU time (CPU% = CPU / wall x 100; above 100 when several threads
// of the process run during the call, like the seed's psutil reading), RSS before/after, and optionally
// a device time the caller reports (Scope::set_gpu_ms, e.g. from CUDA events in a GPU backend).
//
// Memory is bounded: each model keeps a ring of its last `max_samples_per_model` samples (aggregates
// are exact over that window). Thread safety: model states are found through an append-only lock-free
// list (reads are atomic loads; only the first call for a new name takes a mutex), and each model's ring
// has its own mutex held just to copy one sample in. Models are never removed, so Model& handles stay
// valid for the profiler's lifetime; reset() clears samples.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profiler/bottleneck.h"
#include "profiler/metrics.h"

namespace acgs::profiler {

struct InferenceSample {
  double wall_ms = 0.0;
  double cpu_percent = 0.0;  // process CPU time / wall time x 100 (the seed's reading)
  double cpu_wait_ms = 0.0;  // calling thread's run-queue wait: runnable, but no core was free
  double rss_before_mb = 0.0;
  double rss_after_mb = 0.0;
  double gpu_ms = NAN;  // device time reported by the backend; NaN when it reported none
};

struct ProfilingMetrics {
  std::string model_name;
  size_t sample_count = 0;   // samples in the window (<= max_samples_per_model)
  uint64_t total_calls = 0;  // every call since the last reset
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0, latency_mean_ms = 0, latency_std_ms = 0;
  double avg_cpu_percent = 0, peak_cpu_percent = 0;
  // CPU demand: (CPU time + the calling thread's run-queue wait) / wall time x 100 over the window, i.e.
  // about the CPU% the calls would have used had no other work held the cores (a lower bound: queueing of
  // a backend's pool workers is not counted); and that run-queue wait alone as a % of wall time.
  // On an idle machine uncontended == avg; on a contended one the seed's avg_cpu_percent drops towards 0
  // for any model, so the rules use this one (see bottleneck.h).
  double uncontended_cpu_percent = 0, runqueue_wait_percent = 0;
  double avg_memory_mb = 0, peak_memory_mb = 0;
  std::optional<double> gpu_mean_ms, gpu_p99_ms;  // present when the backend reported device time
  std::optional<double> cpu_baseline_mean_ms;     // CPU-backend mean latency, when measured
  std::optional<double> gpu_speedup;              // cpu_baseline_mean_ms / latency_mean_ms
  BottleneckType bottleneck_type = BottleneckType::kUnknown;
  std::string gpu_recommendation;

  // The seed's to_dict(): model_name, sample_count, latency{p50_ms, p95_ms, p99_ms, mean_ms, std_ms},
  // cpu{avg_percent, peak_percent, uncontended_percent, runqueue_wait_percent}, memory{avg_mb, peak_mb}, analysis{bottleneck_type,
  // gpu_recommendation}; plus gpu{mean_ms, p99_ms, cpu_baseline_mean_ms, speedup_vs_cpu} when known.
  nlohmann::json to_json() const;
};

// Aggregates a window of samples (any order) with the classification rules of bottleneck.h.
ProfilingMetrics aggregate(std::string model_name, const std::vector<InferenceSample>& samples,
                           uint64_t total_calls = 0, std::optional<double> cpu_baseline_mean_ms = std::nullopt);

class ModelProfiler {
 public:
  struct Options {
    size_t max_samples_per_model = 1000;
    // When set, every sample also feeds acgs2_model_inference_latency_seconds (histogram),
    // acgs2_model_inference_total (counter) and acgs2_model_cpu_percent (gauge), label model_name.
    MetricsRegistry* metrics = nullptr;
  };

  class Model;

  class Scope {
   public:
    Scope(Scope&& other) noexcept;
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope();
    void set_gpu_ms(double gpu_ms) { gpu_ms_ = gpu_ms; }

   private:
    friend class ModelProfiler;
    explicit Scope(Model* model);
    Model* model_;
    double rss_start_mb_, wait_start_, cpu_start_, wall_start_;  // read in this order, ends in reverse
    double gpu_ms_ = NAN;
  };

  ModelProfiler();
  explicit ModelProfiler(Options options);
  ~ModelProfiler();
  ModelProfiler(const ModelProfiler&) = delete;
  ModelProfiler& operator=(const ModelProfiler&) = delete;

  // The state for `name`, created on first use. The reference stays valid for the profiler's lifetime.
  Model& model(std::string_view name);

  [[nodiscard]] Scope track(std::string_view model_name) { return Scope(&model(model_name)); }
  [[nodiscard]] Scope track(Model& model) { return Scope(&model); }

  // Wraps fn so every call is tracked under model_name; the result (or exception) passes through.
  template <class F>
  auto profile(std::string_view model_name, F fn) {
    Model* m = &model(model_name);
    return [this, m, fn = std::move(fn)](auto&&... args) -> decltype(auto) {
      auto scope = track(*m);
      return fn(std::forward<decltype(args)>(args)...);
    };
  }

  // Records a sample measured elsewhere (e.g. a server that times its own batches).
  void record(std::string_view model_name, const InferenceSample& sample);

  // Mean latency of the same model on a CPU backend; metrics() then reports the GPU-vs-CPU speedup.
  void set_cpu_baseline(std::string_view model_name, double cpu_mean_ms);

  std::optional<ProfilingMetrics> metrics(std::string_view model_name) const;
  // Every model with at least one sample in its window, sorted by name.
  std::vector<ProfilingMetrics> all_metrics() const;
  // The seed's human-readable report: per-model blocks and the GPU decision matrix.
  std::string report() const;

  void reset();
  void reset(std::string_view model_name);

  size_t max_samples_per_model() const { return options_.max_samples_per_model; }
  // Bytes held by sample storage across all models (bounded by models x max_samples_per_model).
  size_t sample_bytes() const;

 private:
  Model* find(std::string_view name) const;

  Options options_;
  std::atomic<Model*> head_{nullptr};  // append-only list; readers only load
  std::mutex insert_mu_;
};

// Formats all_metrics() as the seed's report (also used by the benchmark's output).
std::string format_report(const std::vector<ProfilingMetrics>& metrics);

}  // namespace acgs::profiler
