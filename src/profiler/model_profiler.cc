#include "profiler/model_profiler.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "common/error.h"
#include "profiler/resource_usage.h"
#include "profiler/stats.h"

namespace acgs::profiler {
namespace {

constexpr double kBytesPerMb = 1024.0 * 1024.0;

double rss_mb() { return static_cast<double>(rss_bytes()) / kBytesPerMb; }

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

// The seed's Prometheus series, with its bucket bounds (seconds).
struct SeedSeries {
  Histogram* latency = nullptr;
  Counter* total = nullptr;
  Gauge* cpu = nullptr;
};

SeedSeries seed_series(MetricsRegistry* registry, const std::string& model_name) {
  if (!registry) return {};
  auto& latency = registry->histogram("acgs2_model_inference_latency_seconds", "Model inference latency in seconds",
                                      {"model_name"}, {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0});
  auto& total = registry->counter("acgs2_model_inference_total", "Total model inference calls", {"model_name"});
  auto& cpu = registry->gauge("acgs2_model_cpu_percent", "CPU usage during model inference", {"model_name"});
  return {&latency.with({model_name}), &total.with({model_name}), &cpu.with({model_name})};
}

}  // namespace

class ModelProfiler::Model {
 public:
  Model(std::string name, size_t capacity, MetricsRegistry* registry, Model* next)
      : name_(std::move(name)), next_(next), ring_(capacity), series_(seed_series(registry, name_)) {}

  const std::string& name() const { return name_; }
  Model* next() const { return next_; }

  void add(const InferenceSample& s) {
    {
      std::lock_guard lock(mu_);
      ring_[head_] = s;
      head_ = (head_ + 1) % ring_.size();
      size_ = std::min(size_ + 1, ring_.size());
      ++total_;
    }
    if (series_.latency) {
      series_.latency->observe(s.wall_ms / 1000.0);
      series_.total->inc();
      series_.cpu->set(s.cpu_percent);
    }
  }

  std::vector<InferenceSample> window(uint64_t& total) const {
    std::lock_guard lock(mu_);
    total = total_;
    std::vector<InferenceSample> out(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(size_));
    return out;
  }

  void clear() {
    std::lock_guard lock(mu_);
    head_ = size_ = 0;
    total_ = 0;
  }

  void set_baseline(double ms) { baseline_ms_.store(ms, std::memory_order_relaxed); }
  std::optional<double> baseline() const {
    const double ms = baseline_ms_.load(std::memory_order_relaxed);
    return std::isnan(ms) ? std::nullopt : std::optional<double>(ms);
  }
  size_t bytes() const { return ring_.capacity() * sizeof(InferenceSample); }

 private:
  const std::string name_;
  Model* const next_;
  mutable std::mutex mu_;
  std::vector<InferenceSample> ring_;  // fixed size; head_ is the next slot to overwrite
  size_t head_ = 0, size_ = 0;
  uint64_t total_ = 0;
  std::atomic<double> baseline_ms_{NAN};
  SeedSeries series_;
};

// The file readings (RSS, run-queue wait) bracket the clocks, so their cost stays outside the
// wall and CPU intervals of short calls.
ModelProfiler::Scope::Scope(Model* model)
    : model_(model),
      rss_start_mb_(rss_mb()),
      wait_start_(thread_runqueue_wait_seconds()),
      cpu_start_(process_cpu_seconds()),
      wall_start_(wall_seconds()) {}

ModelProfiler::Scope::Scope(Scope&& other) noexcept
    : model_(std::exchange(other.model_, nullptr)),
      rss_start_mb_(other.rss_start_mb_),
      wait_start_(other.wait_start_),
      cpu_start_(other.cpu_start_),
      wall_start_(other.wall_start_),
      gpu_ms_(other.gpu_ms_) {}

ModelProfiler::Scope::~Scope() {
  if (!model_) return;
  const double wall = wall_seconds() - wall_start_;
  const double cpu = process_cpu_seconds() - cpu_start_;
  const double wait = thread_runqueue_wait_seconds() - wait_start_;
  InferenceSample s;
  s.wall_ms = wall * 1000.0;
  s.cpu_percent = wall > 0.0 ? std::max(0.0, cpu) / wall * 100.0 : 0.0;
  s.cpu_wait_ms = std::clamp(wait, 0.0, wall) * 1000.0;
  s.rss_before_mb = rss_start_mb_;
  s.rss_after_mb = rss_mb();
  s.gpu_ms = gpu_ms_;
  model_->add(s);
}

ModelProfiler::ModelProfiler() : ModelProfiler(Options{}) {}

ModelProfiler::ModelProfiler(Options options) : options_(options) {
  if (options_.max_samples_per_model == 0) {
    fail(ErrorKind::kInvalidArgument, "ModelProfiler: max_samples_per_model must be at least 1");
  }
}

ModelProfiler::~ModelProfiler() {
  for (Model* m = head_.load(); m;) {
    Model* next = m->next();
    delete m;
    m = next;
  }
}

ModelProfiler::Model* ModelProfiler::find(std::string_view name) const {
  for (Model* m = head_.load(std::memory_order_acquire); m; m = m->next()) {
    if (m->name() == name) return m;
  }
  return nullptr;
}

ModelProfiler::Model& ModelProfiler::model(std::string_view name) {
  if (Model* m = find(name)) return *m;
  std::lock_guard lock(insert_mu_);
  if (Model* m = find(name)) return *m;  // another thread added it while we waited
  auto* m = new Model(std::string(name), options_.max_samples_per_model, options_.metrics,
                      head_.load(std::memory_order_relaxed));
  head_.store(m, std::memory_order_release);
  return *m;
}

void ModelProfiler::record(std::string_view model_name, const InferenceSample& sample) { model(model_name).add(sample); }

void ModelProfiler::set_cpu_baseline(std::string_view model_name, double cpu_mean_ms) {
  model(model_name).set_baseline(cpu_mean_ms);
}

std::optional<ProfilingMetrics> ModelProfiler::metrics(std::string_view model_name) const {
  const Model* m = find(model_name);
  if (!m) return std::nullopt;
  uint64_t total = 0;
  const std::vector<InferenceSample> window = m->window(total);
  if (window.empty()) return std::nullopt;
  return aggregate(m->name(), window, total, m->baseline());
}

std::vector<ProfilingMetrics> ModelProfiler::all_metrics() const {
  std::vector<ProfilingMetrics> out;
  for (Model* m = head_.load(std::memory_order_acquire); m; m = m->next()) {
    if (auto metrics = this->metrics(m->name())) out.push_back(std::move(*metrics));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.model_name < b.model_name; });
  return out;
}

std::string ModelProfiler::report() const { return format_report(all_metrics()); }

void ModelProfiler::reset() {
  for (Model* m = head_.load(std::memory_order_acquire); m; m = m->next()) m->clear();
}

void ModelProfiler::reset(std::string_view model_name) {
  if (Model* m = find(model_name)) m->clear();
}

size_t ModelProfiler::sample_bytes() const {
  size_t bytes = 0;
  for (Model* m = head_.load(std::memory_order_acquire); m; m = m->next()) bytes += m->bytes();
  return bytes;
}

ProfilingMetrics aggregate(std::string model_name, const std::vector<InferenceSample>& samples, uint64_t total_calls,
                           std::optional<double> cpu_baseline_mean_ms) {
  ProfilingMetrics r;
  r.model_name = std::move(model_name);
  r.sample_count = samples.size();
  r.total_calls = std::max<uint64_t>(total_calls, samples.size());
  std::vector<double> latency, cpu, memory, gpu;
  double cpu_ms = 0, wall_ms = 0, wait_ms = 0;
  latency.reserve(samples.size());
  cpu.reserve(samples.size());
  memory.reserve(samples.size());
  for (const auto& s : samples) {
    latency.push_back(s.wall_ms);
    cpu.push_back(s.cpu_percent);
    memory.push_back(s.rss_after_mb);
    cpu_ms += s.cpu_percent * s.wall_ms / 100.0;
    wall_ms += s.wall_ms;
    wait_ms += s.cpu_wait_ms;
    if (!std::isnan(s.gpu_ms)) gpu.push_back(s.gpu_ms);
  }
  r.latency_mean_ms = mean(latency);
  r.latency_std_ms = sample_stddev(latency);
  std::sort(latency.begin(), latency.end());
  r.latency_p50_ms = percentile_sorted(latency, 50);
  r.latency_p95_ms = percentile_sorted(latency, 95);
  r.latency_p99_ms = percentile_sorted(latency, 99);
  r.avg_cpu_percent = mean(cpu);
  r.peak_cpu_percent = cpu.empty() ? 0.0 : *std::max_element(cpu.begin(), cpu.end());
  r.uncontended_cpu_percent = wall_ms > 0 ? (cpu_ms + wait_ms) / wall_ms * 100.0 : r.avg_cpu_percent;
  r.runqueue_wait_percent = wall_ms > 0 ? wait_ms / wall_ms * 100.0 : 0.0;
  r.avg_memory_mb = mean(memory);
  r.peak_memory_mb = memory.empty() ? 0.0 : *std::max_element(memory.begin(), memory.end());
  if (!gpu.empty()) {
    r.gpu_mean_ms = mean(gpu);
    std::sort(gpu.begin(), gpu.end());
    r.gpu_p99_ms = percentile_sorted(gpu, 99);
  }
  if (cpu_baseline_mean_ms && r.latency_mean_ms > 0.0) {
    r.cpu_baseline_mean_ms = cpu_baseline_mean_ms;
    r.gpu_speedup = *cpu_baseline_mean_ms / r.latency_mean_ms;
  }
  const Classification c = classify(r.latency_mean_ms, r.uncontended_cpu_percent, r.gpu_speedup);
  r.bottleneck_type = c.type;
  r.gpu_recommendation = c.recommendation;
  return r;
}

nlohmann::json ProfilingMetrics::to_json() const {
  nlohmann::json j = {
      {"model_name", model_name},
      {"sample_count", sample_count},
      {"total_calls", total_calls},
      {"latency",
       {{"p50_ms", round_to(latency_p50_ms, 3)},
        {"p95_ms", round_to(latency_p95_ms, 3)},
        {"p99_ms", round_to(latency_p99_ms, 3)},
        {"mean_ms", round_to(latency_mean_ms, 3)},
        {"std_ms", round_to(latency_std_ms, 3)}}},
      {"cpu",
       {{"avg_percent", round_to(avg_cpu_percent, 1)},
        {"peak_percent", round_to(peak_cpu_percent, 1)},
        {"uncontended_percent", round_to(uncontended_cpu_percent, 1)},
        {"runqueue_wait_percent", round_to(runqueue_wait_percent, 1)}}},
      {"memory", {{"avg_mb", round_to(avg_memory_mb, 2)}, {"peak_mb", round_to(peak_memory_mb, 2)}}},
      {"analysis", {{"bottleneck_type", to_string(bottleneck_type)}, {"gpu_recommendation", gpu_recommendation}}},
  };
  if (gpu_mean_ms || gpu_speedup) {
    nlohmann::json gpu = nlohmann::json::object();
    if (gpu_mean_ms) gpu["mean_ms"] = round_to(*gpu_mean_ms, 3);
    if (gpu_p99_ms) gpu["p99_ms"] = round_to(*gpu_p99_ms, 3);
    if (cpu_baseline_mean_ms) gpu["cpu_baseline_mean_ms"] = round_to(*cpu_baseline_mean_ms, 3);
    if (gpu_speedup) gpu["speedup_vs_cpu"] = round_to(*gpu_speedup, 2);
    j["gpu"] = std::move(gpu);
  }
  return j;
}

std::string format_report(const std::vector<ProfilingMetrics>& metrics) {
  if (metrics.empty()) return "No profiling data collected yet.\n";
  const std::string rule(78, '='), thin(40, '-');
  std::string out = rule + "\nACGS-2 MODEL PROFILING REPORT\n" + rule + "\n\n";
  char line[512];
  for (const auto& m : metrics) {
    std::snprintf(line, sizeof(line),
                  "Model: %s\n%s\n  Samples: %zu (of %llu calls)\n  Latency P50: %.3fms\n  Latency P95: %.3fms\n"
                  "  Latency P99: %.3fms\n  Latency mean: %.3fms (std %.3fms)\n  CPU Avg: %.1f%%\n"
                  "  CPU Peak: %.1f%%\n  CPU demand: %.1f%% (incl. %.1f%% queued for a core)\n  Memory Avg: %.1fMB (peak %.1fMB)\n",
                  m.model_name.c_str(), thin.c_str(), m.sample_count, static_cast<unsigned long long>(m.total_calls),
                  m.latency_p50_ms, m.latency_p95_ms, m.latency_p99_ms, m.latency_mean_ms, m.latency_std_ms,
                  m.avg_cpu_percent, m.peak_cpu_percent, m.uncontended_cpu_percent, m.runqueue_wait_percent,
                  m.avg_memory_mb, m.peak_memory_mb);
    out += line;
    if (m.gpu_mean_ms) {
      std::snprintf(line, sizeof(line), "  GPU time mean: %.3fms (P99 %.3fms)\n", *m.gpu_mean_ms, *m.gpu_p99_ms);
      out += line;
    }
    if (m.gpu_speedup) {
      std::snprintf(line, sizeof(line), "  GPU vs CPU speedup: %.2fx\n", *m.gpu_speedup);
      out += line;
    }
    out += std::string("  Bottleneck: ") + to_string(m.bottleneck_type) + "\n  GPU Recommendation: " +
           m.gpu_recommendation + "\n\n";
  }
  out += rule + "\nGPU ACCELERATION DECISION MATRIX\n" + rule + "\n";
  std::snprintf(line, sizeof(line), "%-24s %-14s %10s %8s  %s\n", "Model", "Type", "P99(ms)", "CPU%*", "GPU?");
  out += line + std::string(78, '-') + "\n";
  for (const auto& m : metrics) {
    const bool yes = m.bottleneck_type == BottleneckType::kComputeBound;
    const bool too_fast = m.latency_mean_ms < kLatencyGpuThresholdMs;
    std::snprintf(line, sizeof(line), "%-24s %-14s %10.3f %8.1f  %s\n", m.model_name.c_str(),
                  to_string(m.bottleneck_type), m.latency_p99_ms, m.uncontended_cpu_percent,
                  yes ? "YES" : (too_fast ? "NO (too fast for GPU benefit)" : "NO"));
    out += line;
  }
  out += rule + "\n* CPU demand: CPU% plus time queued for a core (equals the seed's CPU% on an idle machine)\n";
  return out;
}

}  // namespace acgs::profiler
