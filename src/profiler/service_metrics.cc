#include "profiler/service_metrics.h"

namespace acgs::profiler {

ServiceMetrics::ServiceMetrics(MetricsRegistry& registry)
    : requests(registry.counter("acgs2_http_requests_total", "HTTP requests by endpoint and status code",
                                {"endpoint", "status"})),
      request_duration(registry.histogram("acgs2_http_request_duration_seconds",
                                          "HTTP request duration in seconds, by endpoint", {"endpoint"},
                                          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
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
      degraded_scorings(registry
                            .counter("acgs2_state_degraded_scorings_total",
                                     "Messages scored with this replica's local agent state because the shared "
                                     "state store (Redis) was unreachable")
                            .with({})) {}

}  // namespace acgs::profiler
