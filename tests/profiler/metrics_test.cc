#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>
#include <vector>

#include "common/error.h"
#include "profiler/metrics.h"
#include "profiler/metrics_http.h"
#include "profiler/model_profiler.h"
#include "profiler/service_metrics.h"
#include "profiler/prometheus_checker.h"

namespace acgs::profiler {
namespace {

using acgs::testing::parse_prometheus_text;

TEST(Metrics, SeedSeriesParseAndCarryTheModelNameLabel) {
  MetricsRegistry registry;
  ModelProfiler profiler({.metrics = &registry});
  for (const char* name : {"impact_scorer", "anomaly_detector", "compliance_classifier"}) {
    for (int i = 0; i < 3; ++i) auto scope = profiler.track(name);
  }
  profiler.record("impact_scorer", {.wall_ms = 20.0, .cpu_percent = 150});  // 0.02 s: le=0.05 bucket
  const std::string text = registry.render();
  const auto parsed = parse_prometheus_text(text);
  ASSERT_EQ(parsed.error, "") << text;
  EXPECT_EQ(parsed.types.at("acgs2_model_inference_latency_seconds"), "histogram");
  EXPECT_EQ(parsed.types.at("acgs2_model_inference_total"), "counter");
  EXPECT_EQ(parsed.types.at("acgs2_model_cpu_percent"), "gauge");
  for (const char* name : {"impact_scorer", "anomaly_detector", "compliance_classifier"}) {
    const std::map<std::string, std::string> m = {{"model_name", name}};
    ASSERT_TRUE(parsed.find("acgs2_model_inference_total", m)) << name;
    ASSERT_TRUE(parsed.find("acgs2_model_cpu_percent", m)) << name;
    ASSERT_TRUE(parsed.find("acgs2_model_inference_latency_seconds_sum", m)) << name;
  }
  const std::map<std::string, std::string> scorer = {{"model_name", "impact_scorer"}};
  EXPECT_EQ(parsed.find("acgs2_model_inference_total", scorer)->value, 4);
  EXPECT_EQ(parsed.find("acgs2_model_cpu_percent", scorer)->value, 150);
  EXPECT_EQ(parsed.find("acgs2_model_inference_latency_seconds_count", scorer)->value, 4);
  // Exactly the seed's buckets, then +Inf.
  std::vector<std::string> les;
  for (const auto& s : parsed.samples) {
    if (s.name == "acgs2_model_inference_latency_seconds_bucket" && s.labels.at("model_name") == "impact_scorer")
      les.push_back(s.labels.at("le"));
  }
  EXPECT_EQ(les, (std::vector<std::string>{"0.0001", "0.0005", "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1.0",
                                           "+Inf"}));
  auto le = scorer;
  le["le"] = "0.01";
  const auto below_10ms = parsed.find("acgs2_model_inference_latency_seconds_bucket", le);
  le["le"] = "0.05";
  const auto below_50ms = parsed.find("acgs2_model_inference_latency_seconds_bucket", le);
  ASSERT_TRUE(below_10ms && below_50ms);
  EXPECT_EQ(below_50ms->value, below_10ms->value + 1);
}

TEST(Metrics, LabelValuesAreEscapedPerTheSpec) {
  MetricsRegistry registry;
  const std::string nasty = "a\"b\\c\nd}e,f=g";
  registry.counter("requests_total", "Requests.\nSecond line with \\ backslash", {"path"}).with({nasty}).inc(2);
  const std::string text = registry.render();
  EXPECT_NE(text.find(R"(requests_total{path="a\"b\\c\nd}e,f=g"} 2)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(# HELP requests_total Requests.\nSecond line with \\ backslash)"), std::string::npos);
  const auto parsed = parse_prometheus_text(text);
  ASSERT_EQ(parsed.error, "") << text;
  EXPECT_EQ(parsed.samples.at(0).labels.at("path"), nasty);
}

TEST(Metrics, GenericRegistryForTheServer) {
  MetricsRegistry registry;
  auto& requests = registry.counter("acgs2_http_requests_total", "HTTP requests by status", {"endpoint", "status"});
  requests.with({"/embed", "200"}).inc();
  requests.with({"/embed", "429"}).inc(3);
  registry.gauge("acgs2_queue_depth", "Requests waiting for a batch").with({}).set(7);
  auto& batch = registry.histogram("acgs2_batch_size", "Requests per engine batch", {}, {1, 2, 4, 8, 16, 32});
  for (double v : {1.0, 3.0, 3.0, 64.0}) batch.with({}).observe(v);
  registry.info("acgs2_backend_info", "Active backend", {"backend", "precision", "device"}).set({"cpu", "fp32", "x86"});
  registry.info("acgs2_backend_info", "Active backend", {"backend", "precision", "device"}).set({"cpu-int8", "int8", "x86"});
  const auto parsed = parse_prometheus_text(registry.render());
  ASSERT_EQ(parsed.error, "") << registry.render();
  EXPECT_EQ(parsed.find("acgs2_http_requests_total", {{"status", "429"}})->value, 3);
  EXPECT_EQ(parsed.find("acgs2_queue_depth")->value, 7);
  EXPECT_EQ(parsed.find("acgs2_batch_size_bucket", {{"le", "4.0"}})->value, 3);
  EXPECT_EQ(parsed.find("acgs2_batch_size_bucket", {{"le", "+Inf"}})->value, 4);
  EXPECT_EQ(parsed.find("acgs2_batch_size_sum")->value, 71);
  EXPECT_FALSE(parsed.find("acgs2_backend_info", {{"backend", "cpu"}}));
  EXPECT_EQ(parsed.find("acgs2_backend_info", {{"backend", "cpu-int8"}})->value, 1);
}

TEST(Metrics, ServiceMetricsBesideTheSeedSeries) {
  MetricsRegistry registry;
  ModelProfiler profiler({.metrics = &registry});
  ServiceMetrics service(registry);
  { auto scope = profiler.track("impact_scorer"); }
  service.requests.with({"/v1/score", "200"}).inc();
  service.request_duration.with({"/v1/score"}).observe(0.003);
  service.queue_depth.set(2);
  service.batch_size.observe(5);
  service.batch_tokens.observe(300);
  service.backend_info.set({"cpu", "fp32", "Intel Xeon"});
  const auto parsed = parse_prometheus_text(registry.render());
  ASSERT_EQ(parsed.error, "") << registry.render();
  EXPECT_EQ(parsed.find("acgs2_http_requests_total", {{"endpoint", "/v1/score"}, {"status", "200"}})->value, 1);
  EXPECT_EQ(parsed.find("acgs2_batch_size_bucket", {{"le", "8.0"}})->value, 1);
  EXPECT_EQ(parsed.find("acgs2_batch_tokens_count")->value, 1);
  EXPECT_EQ(parsed.find("acgs2_backend_info", {{"device", "Intel Xeon"}})->value, 1);
  EXPECT_TRUE(parsed.find("acgs2_model_inference_total", {{"model_name", "impact_scorer"}}));
  // A second ServiceMetrics over the same registry shares the families.
  ServiceMetrics again(registry);
  EXPECT_EQ(&again.queue_depth, &service.queue_depth);
}

TEST(Metrics, InvalidDefinitionsAreClearErrors) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.counter("9lives", "x"), Error);
  EXPECT_THROW(registry.counter("ok_total", "x", {"__reserved"}), Error);
  EXPECT_THROW(registry.counter("ok_total", "x", {"a", "a"}), Error);
  EXPECT_THROW(registry.histogram("h", "x", {"le"}, {1}), Error);
  EXPECT_THROW(registry.histogram("h", "x", {}, {2, 1}), Error);
  EXPECT_THROW(registry.histogram("h", "x", {}, {}), Error);
  registry.counter("ok_total", "x", {"a"});
  EXPECT_THROW(registry.gauge("ok_total", "x", {"a"}), Error);    // same name, other type
  EXPECT_THROW(registry.counter("ok_total", "x", {"b"}), Error);  // same name, other labels
  EXPECT_EQ(&registry.counter("ok_total", "x", {"a"}), &registry.counter("ok_total", "y", {"a"}));
  EXPECT_THROW(registry.counter("ok_total", "x", {"a"}).with({"1", "2"}), Error);
  EXPECT_THROW(registry.counter("ok_total", "x", {"a"}).with({"1"}).inc(-1), Error);
}

TEST(Metrics, ValuesUseGoFloatSyntax) {
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(NAN), "NaN");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1e-7), "1e-07");
  EXPECT_EQ(format_value(0.0001), "0.0001");
  EXPECT_EQ(format_value(0.0), "0");
  EXPECT_EQ(format_value(-2.5), "-2.5");
  EXPECT_EQ(format_value(1e20), "1e+20");
  EXPECT_EQ(format_value(123456789.0), "123456789");
}

TEST(Metrics, ConcurrentUpdatesAreExact) {
  MetricsRegistry registry;
  auto& counter = registry.counter("c_total", "c").with({});
  auto& hist = registry.histogram("h_seconds", "h", {}, {0.5}).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        counter.inc();
        hist.observe(i % 2 ? 1.0 : 0.25);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter.value(), 160000);
  const auto s = hist.snapshot();
  EXPECT_EQ(s.count, 160000u);
  EXPECT_EQ(s.cumulative[0], 80000u);
  EXPECT_DOUBLE_EQ(s.sum, 80000 * 1.0 + 80000 * 0.25);
}

TEST(Metrics, HttpListenerServesMetrics) {
  MetricsRegistry registry;
  ModelProfiler profiler({.metrics = &registry});
  { auto scope = profiler.track("impact_scorer"); }
  MetricsHttpServer server(registry, "127.0.0.1", 0);
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kPrometheusContentType);
  const auto parsed = parse_prometheus_text(res->body);
  ASSERT_EQ(parsed.error, "") << res->body;
  EXPECT_TRUE(parsed.find("acgs2_model_inference_total", {{"model_name", "impact_scorer"}}));
  EXPECT_EQ(client.Get("/nope")->status, 404);
  // A second listener on the same port is a clear error, not a crash.
  EXPECT_THROW(MetricsHttpServer(registry, "127.0.0.1", server.port()), Error);
}

TEST(PrometheusChecker, RejectsMalformedText) {
  using acgs::testing::parse_prometheus_text;
  EXPECT_NE(parse_prometheus_text("a 1").error, "");                                   // no final newline
  EXPECT_NE(parse_prometheus_text("a{b=\"x} 1\n").error, "");                          // unterminated
  EXPECT_NE(parse_prometheus_text("a{b=\"\\t\"} 1\n").error, "");                      // bad escape
  EXPECT_NE(parse_prometheus_text("a one\n").error, "");                               // bad value
  EXPECT_NE(parse_prometheus_text("a 1\nb 1\na 2\n").error, "");                       // not contiguous
  EXPECT_NE(parse_prometheus_text("# TYPE a foo\n").error, "");                        // unknown type
  EXPECT_NE(parse_prometheus_text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 2\n").error, "");  // no +Inf
  EXPECT_EQ(parse_prometheus_text("# TYPE a counter\na{b=\"x\",} 1 1700000000\n").error, "");
}

}  // namespace
}  // namespace acgs::profiler
