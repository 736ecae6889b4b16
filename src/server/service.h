#pragma once
// What the endpoints do, independent of HTTP: one Engine, the dynamic batcher in front of it, the impact
// scorer (its embeddings also go through the batcher) and the metrics. Each handler takes a parsed JSON
// body and returns the JSON reply, or throws ApiError / acgs::Error.
//
// Lifecycle: the constructor opens the model (throws if it cannot); warm_up() runs one batch per shape
// bucket and builds the scorer, after which ready() is true; stop() drains the batcher.
#include <atomic>
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
  Service(const ServerOptions& options, profiler::MetricsRegistry& registry);
  ~Service();

  // One engine call per sequence length bucket (16, 32, 64, 128 tokens, capped at max_input_length), then the
  // scorer's keyword embeddings. Throws what the engine throws.
  void warm_up();
  bool ready() const { return ready_.load(); }
  // Why the service cannot serve ("" when it can): no backend, or not warmed up yet.
  std::string unhealthy_reason() const;
  void stop();

  OrderedJson embed(const nlohmann::json& body);              // POST /embed
  OrderedJson openai_embeddings(const nlohmann::json& body);  // POST /v1/embeddings
  OrderedJson tokenize(const nlohmann::json& body);           // POST /tokenize
  OrderedJson score(const nlohmann::json& body);              // POST /v1/score
  OrderedJson status() const;                                 // GET /v1/status
  OrderedJson info() const;                                   // GET /info
  // GET /health once ready: {"status": "ok", "state": {"backend": "memory"}}, or with --state redis://…
  // the FailoverStateStore's health and "status": "degraded" while scoring without Redis.
  OrderedJson health() const;

  int max_input_length() const { return max_input_length_; }
  const RequestLimits& limits() const { return limits_; }
  const Engine& engine() const { return *engine_; }
  const profiler::ServiceMetrics& metrics() const { return metrics_; }

  // Token ids of `text` with [CLS]/[SEP], at most max_input_length: longer texts are cut on `side` when
  // `truncate`, else ApiError(413) naming `field`.
  std::vector<int32_t> encode(const std::string& text, bool truncate, TruncationSide side, const std::string& field) const;
  // Embeds token sequences through the batcher: [batch.size(), dim] rows. ApiError(429) when the queue is full.
  std::vector<float> embed_tokens(TokenBatch batch, bool normalize);

 private:
  struct Embedded {
    std::vector<float> rows;
    int tokens = 0;
  };
  Embedded embed_texts(const std::vector<std::string>& texts, bool normalize, bool truncate, TruncationSide side,
                       const char* field);

  ServerOptions options_;
  RequestLimits limits_;
  std::unique_ptr<Engine> engine_;
  int max_input_length_ = 128;
  VocabTable vocab_;
  profiler::ServiceMetrics metrics_;
  profiler::ModelProfiler profiler_;
  profiler::ModelProfiler::Model* profiled_model_;
  std::unique_ptr<Batcher> batcher_;
  StateStore state_;  // built by warm_up() with the scoring config's limits
  std::unique_ptr<ImpactScorer> scorer_;
  std::atomic<bool> ready_{false};
};

}  // namespace acgs::server
