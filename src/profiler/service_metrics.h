#pragma once
// The metrics an operator needs from the scoring service, registered under fixed names so dashboards
// and alerts don't depend on which binary exposes them (server /metrics, benchmark --metrics-port):
//
//   acgs2_http_requests_total{endpoint, status}        counter
//   acgs2_http_request_duration_seconds{endpoint}      histogram
//   acgs2_queue_depth                                  gauge (requests waiting for a batch)
//   acgs2_batch_size                                   histogram (requests per engine batch)
//   acgs2_batch_tokens                                 histogram (tokens per engine batch)
//   acgs2_backend_info{backend, precision, device}     info (value 1)
//   acgs2_state_degraded_scorings_total                counter (messages scored with local agent state
//                                                      because the shared store, Redis, was unreachable)
//
// Children without labels are resolved here once; labelled ones are resolved by the caller (and should
// be cached per endpoint/status).
#include "profiler/metrics.h"

namespace acgs::profiler {

struct ServiceMetrics {
  explicit ServiceMetrics(MetricsRegistry& registry);

  CounterFamily& requests;
  HistogramFamily& request_duration;
  Gauge& queue_depth;
  Histogram& batch_size;
  Histogram& batch_tokens;
  InfoFamily& backend_info;
  Counter& degraded_scorings;
};

}  // namespace acgs::profiler
