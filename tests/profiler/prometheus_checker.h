#pragma once
// An independent checker of the Prometheus text exposition format 0.0.4 (as specified in
// prometheus/docs exposition_formats.md), written for tests: it parses every line strictly, unescapes
// label values, and checks the family rules (TYPE before samples, one TYPE/HELP per family, families
// contiguous, histogram buckets cumulative with an +Inf bucket equal to _count). Returns the parsed
// samples, or the first problem found with its line number.
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace acgs::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromParse {
  std::string error;  // empty when the text is valid
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|summary|untyped
  std::vector<PromSample> samples;
  // First sample with this name whose labels include all of `match`.
  std::optional<PromSample> find(const std::string& name, const std::map<std::string, std::string>& match = {}) const {
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : match) {
        auto it = s.labels.find(k);
        ok = ok && it != s.labels.end() && it->second == v;
      }
      if (ok) return s;
    }
    return std::nullopt;
  }
};

namespace prom_detail {

inline bool metric_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}
inline bool label_name_char(char c, bool first) { return c != ':' && metric_name_char(c, first); }

inline bool parse_value(const std::string& text, double& out) {
  if (text == "+Inf" || text == "Inf") return out = INFINITY, true;
  if (text == "-Inf") return out = -INFINITY, true;
  if (text == "NaN") return out = NAN, true;
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
  }
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// The family a sample belongs to, given the declared types (histogram children carry suffixes).
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

}  // namespace prom_detail

inline PromParse parse_prometheus_text(const std::string& text) {
  using namespace prom_detail;
  PromParse r;
  if (!text.empty() && text.back() != '\n') return r.error = "text does not end with a newline", r;
  std::set<std::string> helped, finished;
  std::string current;  // family whose lines are being read
  size_t line_no = 0, pos = 0;
  auto fail = [&](const std::string& why) {
    r.error = "line " + std::to_string(line_no) + ": " + why;
    return r;
  };
  auto enter_family = [&](const std::string& family) {
    if (family == current) return true;
    if (!current.empty()) finished.insert(current);
    current = family;
    return !finished.count(family);
  };
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        const bool is_type = line[2] == 'T';
        const size_t sp = line.find(' ', 7);
        const std::string name = line.substr(7, sp == std::string::npos ? std::string::npos : sp - 7);
        if (name.empty() || !metric_name_char(name[0], true)) return fail("bad metric name in " + line);
        for (char c : name)
          if (!metric_name_char(c, false)) return fail("bad metric name in " + line);
        if (!enter_family(name)) return fail("family " + name + " is not contiguous");
        if (is_type) {
          const std::string type = sp == std::string::npos ? "" : line.substr(sp + 1);
          static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
          if (!kTypes.count(type)) return fail("unknown type '" + type + "'");
          if (r.types.count(name)) return fail("second TYPE line for " + name);
          for (const auto& s : r.samples)
            if (family_of(s.name, r.types) == name) return fail("TYPE for " + name + " after its samples");
          r.types[name] = type;
        } else {
          if (!helped.insert(name).second) return fail("second HELP line for " + name);
          const std::string help = sp == std::string::npos ? "" : line.substr(sp + 1);
          for (size_t i = 0; i < help.size(); ++i) {
            if (help[i] == '\\' && (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')))
              return fail("bad escape in HELP");
            if (help[i] == '\\') ++i;
          }
        }
      }
      continue;
    }
    PromSample s;
    size_t i = 0;
    while (i < line.size() && metric_name_char(line[i], i == 0)) ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) return fail("sample without a metric name: " + line);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t start = i;
        while (i < line.size() && label_name_char(line[i], i == start)) ++i;
        const std::string label = line.substr(start, i - start);
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
          return fail("bad label syntax: " + line);
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) return fail("dangling escape");
            const char e = line[i + 1];
            if (e == '\\') value += '\\';
            else if (e == '"') value += '"';
            else if (e == 'n') value += '\n';
            else return fail(std::string("bad escape \\") + e + " in label value");
            i += 2;
          } else {
            value += line[i++];
          }
        }
        if (i >= line.size()) return fail("unterminated label value");
        ++i;
        if (!s.labels.emplace(label, value).second) return fail("repeated label " + label);
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return fail("unterminated label set");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') return fail("missing space before value: " + line);
    std::string rest = line.substr(i + 1);
    const size_t sp = rest.find(' ');
    if (sp != std::string::npos) {
      const std::string ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos) return fail("bad timestamp");
      rest.resize(sp);
    }
    if (!parse_value(rest, s.value)) return fail("bad value '" + rest + "'");
    const std::string family = family_of(s.name, r.types);
    if (!enter_family(family)) return fail("family " + family + " is not contiguous");
    r.samples.push_back(std::move(s));
  }
  // Histogram rules: per label set, buckets cumulative, an +Inf bucket, and +Inf == _count.
  for (const auto& [family, type] : r.types) {
    if (type != "histogram") continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    std::map<std::map<std::string, std::string>, double> counts;
    for (const auto& s : r.samples) {
      auto labels = s.labels;
      if (s.name == family + "_bucket") {
        auto le = labels.find("le");
        double bound = 0;
        if (le == labels.end() || !parse_value(le->second, bound)) return r.error = family + ": bucket without a valid le", r;
        labels.erase(le);
        buckets[labels].push_back({bound, s.value});
      } else if (s.name == family + "_count") {
        counts[labels] = s.value;
      }
    }
    for (const auto& [labels, list] : buckets) {
      for (size_t k = 1; k < list.size(); ++k) {
        if (!(list[k].first > list[k - 1].first) || list[k].second < list[k - 1].second)
          return r.error = family + ": buckets not increasing/cumulative", r;
      }
      if (list.empty() || !std::isinf(list.back().first)) return r.error = family + ": no +Inf bucket", r;
      if (!counts.count(labels) || counts[labels] != list.back().second)
        return r.error = family + ": +Inf bucket differs from _count", r;
    }
  }
  return r;
}

}  // namespace acgs::testing
