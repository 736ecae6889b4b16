#include "profiler/service_metrics.h"

namespace acgs::profiler {
namespace {

const std::vector<double>& request_seconds() {
  static const std::vector<double> bounds = {0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015,
                                             0.02,   0.03,  0.05,   0.1,   0.25,  0.5,   1,     2.5,    5,    10};
  return bounds;
}

}  // namespace

ServiceMetrics::ServiceMetrics(MetricsRegistry& registry)
    : requests(registry.counter("acgs2_http_requests_total", "HTTP requests by endpoint and status code",
                                {"endpoint", "status"})),
      request_duration(registry.histogram("acgs2_http_request_duration_seconds",
                                          "HTTP request duration in seconds (headers read to reply ready), by endpoint",
                                          {"endpoint"}, request_seconds())),
      tokenization_duration(registry.histogram("acgs2_request_tokenization_duration_seconds",
                                               "Time spent tokenizing a request's inputs, in seconds", {"endpoint"},
                                               request_seconds())),
      queue_duration(registry.histogram("acgs2_request_queue_duration_seconds",
                                        "Time a request waited for its engine batch to start, in seconds",
                                        {"endpoint"}, request_seconds())),
      inference_duration(registry.histogram("acgs2_request_inference_duration_seconds",
                                            "Engine time of the batch that ran a request, in seconds", {"endpoint"},
                                            request_seconds())),
      input_length(registry.histogram("acgs2_request_input_length_tokens",
                                      "Tokens per input ([CLS] and [SEP] included), after truncation", {"endpoint"},
                                      {4, 8, 16, 32, 64, 128, 256, 512})),
      failures(registry.counter("acgs2_request_failures_total", "Failed requests by endpoint and reason",
                                {"endpoint", "reason"})),
      truncated_inputs(registry.counter("acgs2_truncated_inputs_total",
                                        "Inputs cut to the model's maximum length (truncate or --auto-truncate)",
                                        {"endpoint"})),
      in_flight(registry.gauge("acgs2_requests_in_flight", "Embedding requests queued or running").with({})),
      queue_depth(registry.gauge("acgs2_queue_depth", "Requests waiting for an engine batch").with({})),
      batch_size(registry
                     .histogram("acgs2_batch_size", "Requests per engine batch", {},
                                {1, 2, 4, 8, 16, 32, 64, 128, 256})
                     .with({})),
      batch_tokens(registry
                       .histogram("acgs2_batch_tokens", "Tokens per engine batch", {},
                                  {64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768})
                       .with({})),
      backend_info(registry.info("acgs2_backend_info", "Active inference backend (value is always 1)",
                                 {"backend", "precision", "device"})),
      ready(registry.gauge("acgs2_ready", "1 when a request would be served now (GET /health/ready)").with({})),
      state_degraded(registry
                         .gauge("acgs2_state_degraded",
                                "1 while agent state is local to this replica because Redis is unreachable")
                         .with({})),
      degraded_scorings(registry
                            .counter("acgs2_state_degraded_scorings_total",
                                     "Messages scored with this replica's local agent state because the shared "
                                     "state store (Redis) was unreachable")
                            .with({})),
      connections_open(registry.gauge("acgs2_http_connections_open", "Open client connections").with({})),
      connections_rejected(registry.counter("acgs2_http_connections_rejected_total",
                                            "Connections refused at once (503) by reason", {"reason"})),
      timeouts(registry.counter("acgs2_http_timeouts_total",
                                "Connections closed for missing a deadline, by phase (idle, headers, body, send)",
                                {"phase"})),
      limits(registry.gauge("acgs2_limit", "The server's configured limits, one sample per limit", {"limit"})) {}

}  // namespace acgs::profiler
