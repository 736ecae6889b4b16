#pragma once
// A small Prometheus registry and text-format (version 0.0.4) writer. Debian 12 has no prometheus-cpp,
// and the exposition format is simple enough to write correctly here.
//
// Hot path: Counter/Gauge/Histogram updates are relaxed atomics, no locks. Looking a child up by label
// values (`Family::with`) takes the family's mutex, so callers resolve their children once and keep the
// reference (children live as long as the registry and never move).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace acgs::profiler {

class Counter {
 public:
  // Throws Error(kInvalidArgument) for a negative or NaN increment: counters only go up.
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& upper_bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per upper bound, then +Inf (== count)
    double sum = 0.0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  // Per-bucket (not cumulative) counts; the last slot is the +Inf overflow. _count is derived from these
  // at render time so `le="+Inf"` and `_count` always agree, even while observations race with a scrape.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names, MetricType type);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  MetricType type() const { return type_; }
  void render(std::string& out) const;

 protected:
  virtual void render_samples(std::string& out) const = 0;
  void check_arity(const std::vector<std::string>& values) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  MetricType type_;
  mutable std::mutex mu_;
};

template <class Metric>
class Family : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;
  // The child for these label values (in label_names() order), created on first use.
  Metric& with(const std::vector<std::string>& values) {
    check_arity(values);
    std::lock_guard lock(mu_);
    auto& slot = children_[values];
    if (!slot) slot = make_child();
    return *slot;
  }

 protected:
  virtual std::unique_ptr<Metric> make_child() const = 0;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

class CounterFamily final : public Family<Counter> {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);

 private:
  std::unique_ptr<Counter> make_child() const override { return std::make_unique<Counter>(); }
  void render_samples(std::string& out) const override;
};

class GaugeFamily final : public Family<Gauge> {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels);

 private:
  std::unique_ptr<Gauge> make_child() const override { return std::make_unique<Gauge>(); }
  void render_samples(std::string& out) const override;
};

class HistogramFamily final : public Family<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> bounds);
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::unique_ptr<Histogram> make_child() const override { return std::make_unique<Histogram>(bounds_); }
  void render_samples(std::string& out) const override;
  std::vector<double> bounds_;
};

// An info metric (`<name>{k="v",...} 1`, exposed as a gauge): one current label set, replaced by set().
class InfoFamily final : public FamilyBase {
 public:
  InfoFamily(std::string name, std::string help, std::vector<std::string> labels);
  void set(const std::vector<std::string>& values);

 private:
  void render_samples(std::string& out) const override;
  std::vector<std::string> values_;
};

class MetricsRegistry {
 public:
  // Registering an existing name again returns the same family when type, labels (and buckets) match,
  // and throws Error(kInvalidArgument) otherwise; invalid metric/label names throw too.
  CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                             std::vector<double> upper_bounds);
  InfoFamily& info(const std::string& name, const std::string& help, std::vector<std::string> labels);

  // Runs `refresh` at the start of every render(), for values read from the system at scrape time
  // (process metrics) rather than updated as events happen. It runs under the registry's lock, so
  // collectors never race each other; it may update metrics but must not register any.
  void add_collector(std::function<void()> refresh);

  // The whole registry in the Prometheus text format, families in registration order.
  std::string render() const;

 private:
  template <class F, class... Args>
  F& get_or_add(const std::string& name, Args&&... args);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Text-format building blocks, exposed for tests and for writers of other exposition endpoints.
std::string escape_label_value(const std::string& value);
std::string escape_help(const std::string& help);
std::string format_value(double v);  // Go/Prometheus float syntax: +Inf, -Inf, NaN, shortest round-trip
bool valid_metric_name(const std::string& name);
bool valid_label_name(const std::string& name);

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace acgs::profiler
