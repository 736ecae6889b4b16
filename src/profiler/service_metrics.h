#pragma once
// The metrics an operator needs from the scoring service, registered under fixed names so dashboards
// and alerts don't depend on which binary exposes them (server /metrics, benchmark --metrics-port).
// Durations are in seconds; the request-path histograms have fine buckets between 0.5 and 50 ms, where
// the service-level objective (P99 <= 5 ms) is decided.
//
//   acgs2_http_requests_total{endpoint, status}                 counter
//   acgs2_http_request_duration_seconds{endpoint}               histogram (headers read -> reply ready)
//   acgs2_request_tokenization_duration_seconds{endpoint}       histogram
//   acgs2_request_queue_duration_seconds{endpoint}              histogram (submitted -> its batch starts)
//   acgs2_request_inference_duration_seconds{endpoint}          histogram (its batch's engine time)
//   acgs2_request_input_length_tokens{endpoint}                 histogram (tokens per input, [CLS]/[SEP] included)
//   acgs2_request_failures_total{endpoint, reason}              counter (validation, too_large, unauthorized,
//                                                               forbidden, not_found, overloaded, unavailable,
//                                                               inference, internal)
//   acgs2_truncated_inputs_total{endpoint}                      counter
//   acgs2_requests_in_flight                                    gauge (embedding requests queued or running)
//   acgs2_queue_depth                                           gauge (requests waiting for a batch)
//   acgs2_batch_size                                            histogram (requests per engine batch)
//   acgs2_batch_tokens                                          histogram (tokens per engine batch)
//   acgs2_backend_info{backend, precision, device}              info (value 1)
//   acgs2_ready                                                 gauge 0/1 (what /health/ready answers)
//   acgs2_state_degraded                                        gauge 0/1 (agent state local: Redis unreachable)
//   acgs2_state_degraded_scorings_total                         counter (messages scored that way)
//   acgs2_http_connections_open                                 gauge
//   acgs2_http_connections_rejected_total{reason}               counter (max_connections)
//   acgs2_http_timeouts_total{phase}                            counter (idle, headers, body, send)
//   acgs2_limit{limit}                                          gauge, one sample per configured limit
//
// Children without labels are resolved here once; labelled ones are resolved by the caller (and should
// be cached per endpoint/status).
#include "profiler/metrics.h"

namespace acgs::profiler {

struct ServiceMetrics {
  explicit ServiceMetrics(MetricsRegistry& registry);

  CounterFamily& requests;
  HistogramFamily& request_duration;
  HistogramFamily& tokenization_duration;
  HistogramFamily& queue_duration;
  HistogramFamily& inference_duration;
  HistogramFamily& input_length;
  CounterFamily& failures;
  CounterFamily& truncated_inputs;
  Gauge& in_flight;
  Gauge& queue_depth;
  Histogram& batch_size;
  Histogram& batch_tokens;
  InfoFamily& backend_info;
  Gauge& ready;
  Gauge& state_degraded;
  Counter& degraded_scorings;
  Gauge& connections_open;
  CounterFamily& connections_rejected;
  CounterFamily& timeouts;
  GaugeFamily& limits;
};

}  // namespace acgs::profiler
