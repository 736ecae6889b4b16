#include "profiler/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace acgs::profiler {
namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGauge: break;
  }
  return "gauge";
}

void append_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                   const std::string* le = nullptr) {
  if (names.empty() && !le) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (le) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, double value, const std::string* le = nullptr) {
  out += name;
  append_labels(out, names, values, le);
  out += ' ';
  out += format_value(value);
  out += '\n';
}

// Bucket bounds print like the Go and Python clients ("1.0", "0.005"), so dashboards written for the
// seed's prometheus_client series match ours label for label.
std::string format_bound(double bound) {
  std::string s = format_value(bound);
  if (std::isfinite(bound) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

void check_labels(const std::string& metric, const std::vector<std::string>& labels, bool histogram) {
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& l = labels[i];
    if (!valid_label_name(l) || (histogram && l == "le")) {
      fail(ErrorKind::kInvalidArgument, "metric '" + metric + "': label name '" + l +
                                            "' is not valid (use [a-zA-Z_][a-zA-Z0-9_]*, not starting with "
                                            "'__', and not 'le' on a histogram)");
    }
    if (std::find(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(i), l) !=
        labels.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(ErrorKind::kInvalidArgument, "metric '" + metric + "': label name '" + l + "' is repeated");
    }
  }
}

void check_bounds(const std::string& metric, const std::vector<double>& bounds) {
  if (bounds.empty()) fail(ErrorKind::kInvalidArgument, "histogram '" + metric + "' needs at least one bucket bound");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
      fail(ErrorKind::kInvalidArgument, "histogram '" + metric +
                                            "': bucket bounds must be finite and strictly increasing "
                                            "(+Inf is added automatically)");
    }
  }
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0.0)) {
    fail(ErrorKind::kInvalidArgument, "counter increment " + format_value(amount) +
                                          " is negative or NaN; counters only go up (use a gauge)");
  }
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : bounds_(upper_bounds), buckets_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::observe(double v) {
  // `le` is inclusive: v lands in the first bucket whose bound is >= v; NaN and > last bound go to +Inf.
  const size_t i = std::isnan(v) ? bounds_.size()
                                 : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                                       bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> label_names, MetricType type)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), type_(type) {}

void FamilyBase::check_arity(const std::vector<std::string>& values) const {
  if (values.size() != label_names_.size()) {
    fail(ErrorKind::kInvalidArgument, "metric '" + name_ + "' takes " + std::to_string(label_names_.size()) +
                                          " label value(s), got " + std::to_string(values.size()));
  }
}

void FamilyBase::render(std::string& out) const {
  out += "# HELP " + name_ + ' ' + escape_help(help_) + '\n';
  out += "# TYPE " + name_ + ' ' + type_name(type_) + '\n';
  std::lock_guard lock(mu_);
  render_samples(out);
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : Family(std::move(name), std::move(help), std::move(labels), MetricType::kCounter) {}

void CounterFamily::render_samples(std::string& out) const {
  for (const auto& [values, c] : children_) append_sample(out, name_, label_names_, values, c->value());
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
    : Family(std::move(name), std::move(help), std::move(labels), MetricType::kGauge) {}

void GaugeFamily::render_samples(std::string& out) const {
  for (const auto& [values, g] : children_) append_sample(out, name_, label_names_, values, g->value());
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                                 std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(labels), MetricType::kHistogram), bounds_(std::move(bounds)) {}

void HistogramFamily::render_samples(std::string& out) const {
  const std::string inf = "+Inf";
  for (const auto& [values, h] : children_) {
    const Histogram::Snapshot s = h->snapshot();
    for (size_t i = 0; i < bounds_.size(); ++i) {
      const std::string le = format_bound(bounds_[i]);
      append_sample(out, name_ + "_bucket", label_names_, values, static_cast<double>(s.cumulative[i]), &le);
    }
    append_sample(out, name_ + "_bucket", label_names_, values, static_cast<double>(s.count), &inf);
    append_sample(out, name_ + "_sum", label_names_, values, s.sum);
    append_sample(out, name_ + "_count", label_names_, values, static_cast<double>(s.count));
  }
}

InfoFamily::InfoFamily(std::string name, std::string help, std::vector<std::string> labels)
    : FamilyBase(std::move(name), std::move(help), std::move(labels), MetricType::kGauge) {}

void InfoFamily::set(const std::vector<std::string>& values) {
  check_arity(values);
  std::lock_guard lock(mu_);
  values_ = values;
}

void InfoFamily::render_samples(std::string& out) const {
  if (values_.size() == label_names_.size() && !values_.empty()) append_sample(out, name_, label_names_, values_, 1.0);
}

template <class F, class... Args>
F& MetricsRegistry::get_or_add(const std::string& name, Args&&... args) {
  if (!valid_metric_name(name)) {
    fail(ErrorKind::kInvalidArgument, "metric name '" + name + "' is not valid (use [a-zA-Z_:][a-zA-Z0-9_:]*)");
  }
  auto candidate = std::make_unique<F>(name, std::forward<Args>(args)...);
  std::lock_guard lock(mu_);
  for (auto& f : families_) {
    if (f->name() != name) continue;
    auto* same = dynamic_cast<F*>(f.get());
    bool compatible = same && same->label_names() == candidate->label_names();
    if constexpr (std::is_same_v<F, HistogramFamily>) {
      compatible = compatible && same->upper_bounds() == candidate->upper_bounds();
    }
    if (!compatible) {
      fail(ErrorKind::kInvalidArgument,
           "metric '" + name + "' is already registered with another type, label set or buckets");
    }
    return *same;
  }
  families_.push_back(std::move(candidate));
  return static_cast<F&>(*families_.back());
}

CounterFamily& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels) {
  check_labels(name, labels, false);
  return get_or_add<CounterFamily>(name, help, std::move(labels));
}

GaugeFamily& MetricsRegistry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  check_labels(name, labels, false);
  return get_or_add<GaugeFamily>(name, help, std::move(labels));
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> labels, std::vector<double> upper_bounds) {
  check_labels(name, labels, true);
  check_bounds(name, upper_bounds);
  return get_or_add<HistogramFamily>(name, help, std::move(labels), std::move(upper_bounds));
}

InfoFamily& MetricsRegistry::info(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  check_labels(name, labels, false);
  if (labels.empty()) fail(ErrorKind::kInvalidArgument, "info metric '" + name + "' needs at least one label");
  return get_or_add<InfoFamily>(name, help, std::move(labels));
}

void MetricsRegistry::add_collector(std::function<void()> refresh) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(refresh));
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& refresh : collectors_) refresh();
  for (const auto& f : families_) f->render(out);
  return out;
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits, laid out like Python's repr (the seed's prometheus_client): fixed notation
  // for decimal exponents in [-4, 16), scientific otherwise. Go's ParseFloat reads both.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf) - 1, v, std::chars_format::scientific);
  *res.ptr = '\0';  // to_chars does not terminate; atoi must stop at the exponent's end
  const int exponent = std::atoi(std::find(buf, res.ptr, 'e') + 1);
  if (v != 0.0 && (exponent < -4 || exponent >= 16)) return std::string(buf, res.ptr);
  res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

bool valid_metric_name(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace acgs::profiler
