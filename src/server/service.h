#pragma once
// What the endpoints do, independent of HTTP: one Engine, the continuous batcher in front of it, the
// impact scorer (its embeddings also go through the batcher) and the metrics. Each handler takes a parsed
// JSON body; synchronous ones return the JSON reply, the embedding ones hand it to `done` once their
// batch has run. Validation failures are thrown (ApiError / acgs::Error) before anything is queued;
// failures after that reach `done` as its exception.
//
// Threads: handlers run on the caller's thread (the server's I/O threads). A batch completes on the
// batcher's executor thread, which only passes the rows to `defer`; the reply (scorer state, JSON) is
// built wherever `defer` runs it, so the engine never waits for serialization or for Redis.
//
// Lifecycle: the constructor opens the model (throws if it cannot); warm_up() runs one batch per shape
// bucket and builds the scorer, after which ready() is true; stop() drains the batcher.
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "profiler/metrics.h"
#include "profiler/model_profiler.h"
#include "profiler/service_metrics.h"
#include "scorer/impact_scorer.h"
#include "scorer/redis/state_store_factory.h"
#include "server/batcher.h"
#include "server/request_parse.h"
#include "server/server_options.h"
#include "server/vocab_table.h"

namespace acgs::server {

using OrderedJson = nlohmann::ordered_json;

class Service {
 public:
  // The reply of an asynchronous endpoint, or the failure that becomes its error reply (error set).
  using Done = std::function<void(std::exception_ptr error, OrderedJson reply)>;
  // Runs a completion on some thread other than the engine's; inline when not set (tests, tools).
  using Defer = std::function<void(std::function<void()>)>;

  Service(const ServerOptions& options, profiler::MetricsRegistry& registry, Defer defer = {});
  ~Service();

  // One engine call per sequence length bucket (16, 32, 64, 128 tokens, capped at max_input_length), then the
  // scorer's keyword embeddings. Throws what the engine throws.
  void warm_up();
  bool ready() const { return ready_.load(); }
  // Why the service cannot serve ("" when it can): no backend, or not warmed up yet.
  std::string unhealthy_reason() const;
  // Why a request would not be served right now ("" when it would): unhealthy, or every slot of
  // --max-concurrent-requests taken.
  std::string not_ready_reason() const;
  void stop();

  void embed(const nlohmann::json& body, Done done);              // POST /embed
  void openai_embeddings(const nlohmann::json& body, Done done);  // POST /v1/embeddings
  void score(const nlohmann::json& body, Done done);              // POST /v1/score
  OrderedJson tokenize(const nlohmann::json& body);               // POST /tokenize
  OrderedJson status() const;                                     // GET /v1/status
  OrderedJson info() const;                                       // GET /info
  // GET /health once ready: {"status": "ok", "state": {"backend": "memory"}}, or with --state redis://…
  // the FailoverStateStore's health and "status": "degraded" while scoring without Redis.
  OrderedJson health() const;

  int max_input_length() const { return max_input_length_; }
  const RequestLimits& limits() const { return limits_; }
  const Engine& engine() const { return *engine_; }
  const profiler::ServiceMetrics& metrics() const { return metrics_; }

  // Token ids of `text` with [CLS]/[SEP], at most max_input_length: longer texts are cut on `side` when
  // `truncate` or --auto-truncate (then *truncated is set, when given), else ApiError(413) naming `field`.
  std::vector<int32_t> encode(const std::string& text, bool truncate, TruncationSide side, const std::string& field,
                              bool* truncated = nullptr) const;

 private:
  // The per-endpoint children of the stage metrics, resolved once.
  struct Stage {
    profiler::Histogram& tokenization;
    profiler::Histogram& queue;
    profiler::Histogram& inference;
    profiler::Histogram& input_length;
    profiler::Counter& truncated;
  };
  Stage stage(const std::string& endpoint);
  // Tokenizes `texts` for an embedding endpoint (timed, lengths observed); fields are named `field[i]`.
  TokenBatch tokenize_inputs(const std::vector<std::string>& texts, bool truncate, TruncationSide side,
                             const char* field, const Stage& stage) const;
  // Queues `batch`; once it has run, `reply` turns its rows into the JSON reply, on the deferred thread.
  // ApiError(429) when --max-concurrent-requests requests are already admitted.
  void run_batch(TokenBatch batch, bool normalize, const Stage& stage, Done done,
                 std::function<OrderedJson(std::vector<float>)> reply);

  ServerOptions options_;
  RequestLimits limits_;
  Defer defer_;
  std::shared_ptr<Engine> engine_;
  int max_input_length_ = 128;
  VocabTable vocab_;
  profiler::ServiceMetrics metrics_;
  Stage embed_stage_, openai_stage_, score_stage_;
  profiler::ModelProfiler profiler_;
  profiler::ModelProfiler::Model* profiled_model_;
  std::unique_ptr<Batcher> batcher_;
  StateStore state_;  // built by warm_up() with the scoring config's limits
  std::unique_ptr<ImpactScorer> scorer_;
  int score_max_length_ = 128;
  std::atomic<bool> ready_{false};
};

}  // namespace acgs::server
