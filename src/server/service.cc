#include "server/service.h"

#include <algorithm>
#include <chrono>

#include "backend/cpu/thread_pool.h"
#include "common/error.h"
#include "scorer/engine_embedder.h"
#include "scorer/scoring_config.h"
#include "server/api_error.h"
#include "server/base64.h"

namespace acgs::server {
namespace {

constexpr int kWarmupLengths[] = {16, 32, 64, 128};

EngineOptions engine_options(const ServerOptions& o) {
  EngineOptions e;
  e.backend = o.backend;
  // By default the engine leaves the I/O threads a core of their own. Measured on the 2-core VM (bench/slo.sh,
  // cpu-int8, /v1/score): with a 2-thread pool beside the I/O thread both pool threads ended up on one vCPU
  // (the other idle) and every I/O wake-up stalled a parallel region, p50 64 ms at 25 requests/s; with 1
  // engine thread, p50 2.9 ms and P99 24 ms at 500 requests/s. Bulk throughput is then one core's
  // (README "Latency under load"); --threads N overrides.
  e.threads = o.threads > 0 ? o.threads : std::max(1, cpu::physical_cores() - o.http_threads);
  e.token_budget = o.max_batch_tokens;
  return e;
}

BatcherOptions batcher_options(const ServerOptions& o) {
  BatcherOptions b;
  b.max_batch_tokens = o.max_batch_tokens;
  b.max_batch_requests = o.max_batch_requests;
  b.max_delay = std::chrono::microseconds(o.max_batch_delay_us);
  b.max_pending = o.max_concurrent_requests;
  return b;
}

OrderedJson float_row(std::span<const float> row) {
  OrderedJson a = OrderedJson::array();
  for (const float v : row) a.push_back(v);
  return a;
}

// Longest input served: the CUDA plan's capacity, the model's positions, and a sentence-transformers
// model's max_seq_length (it was trained to that length and sentence-transformers truncates there).
int input_limit(const Engine& engine) {
  int n = std::min(engine.options().max_seq, engine.config().max_position_embeddings);
  if (const int declared = engine.sentence_config().max_seq_length; declared > 0) n = std::min(n, declared);
  return n;
}

}  // namespace

Service::Service(const ServerOptions& options, profiler::MetricsRegistry& registry, Defer defer)
    : options_(options),
      limits_{options.max_client_batch_size},
      defer_(defer ? std::move(defer) : Defer([](std::function<void()> fn) { fn(); })),
      engine_(Engine::open(options.model, engine_options(options))),
      max_input_length_(input_limit(*engine_)),
      vocab_(VocabTable::load(engine_->files().tokenizer)),
      metrics_(registry),
      embed_stage_(stage("/embed")),
      openai_stage_(stage("/v1/embeddings")),
      score_stage_(stage("/v1/score")),
      profiler_(profiler::ModelProfiler::Options{1000, &registry}),
      profiled_model_(&profiler_.model("distilbert")) {
  if (engine_->backend() != nullptr) {
    const BackendInfo info = engine_->backend()->info();
    metrics_.backend_info.set({info.name, info.precision, info.device});
  } else {
    metrics_.backend_info.set({"none", "", ""});
  }
  const Engine* engine = engine_.get();
  // The model's declared pooling; normalization stays per request (TEI's `normalize`), done by the batcher.
  const Pooling pooling = engine_->embed_defaults().pooling;
  batcher_ = std::make_unique<Batcher>(
      batcher_options(options), engine_->config().dim,
      [this, engine, pooling](const TokenBatch& batch, std::span<float> pooled) {
        auto scope = profiler_.track(*profiled_model_);
        engine->embed_tokens(batch, pooling, false, pooled);
      },
      &metrics_);
}

Service::~Service() { stop(); }

Service::Stage Service::stage(const std::string& endpoint) {
  return {metrics_.tokenization_duration.with({endpoint}), metrics_.queue_duration.with({endpoint}),
          metrics_.inference_duration.with({endpoint}), metrics_.input_length.with({endpoint}),
          metrics_.truncated_inputs.with({endpoint})};
}

void Service::stop() {
  if (batcher_) batcher_->stop();
  metrics_.ready.set(0);
}

std::string Service::unhealthy_reason() const {
  if (engine_->backend() == nullptr) return "no inference backend can run here (see GET /v1/status)";
  if (!ready_) return "warming up";
  return "";
}

std::string Service::not_ready_reason() const {
  std::string reason = unhealthy_reason();
  if (reason.empty() && batcher_->admitted() >= options_.max_concurrent_requests)
    reason = "every slot of --max-concurrent-requests (" + std::to_string(options_.max_concurrent_requests) +
             ") is taken";
  return reason;
}

void Service::warm_up() {
  const ScoringConfig config = options_.scoring_config.empty() ? ScoringConfig{} : load_scoring_config(options_.scoring_config);
  state_ = make_state_store(options_.state, config.state,
                            [&counter = metrics_.degraded_scorings](size_t n) { counter.inc(static_cast<double>(n)); });
  if (engine_->backend() != nullptr) {
    for (const int length : kWarmupLengths) {
      const int n = std::min(length, max_input_length_);
      TokenBatch batch;
      std::vector<int32_t> ids(static_cast<size_t>(n), engine_->tokenizer().unk_id());
      ids.front() = engine_->tokenizer().cls_id();
      ids.back() = engine_->tokenizer().sep_id();
      batch.add(ids);
      std::vector<float> pooled(static_cast<size_t>(engine_->config().dim));
      engine_->embed_tokens(batch, Pooling::kMean, false, pooled);
    }
    if (config.embedding.max_length > max_input_length_)
      fail(ErrorKind::kInvalidArgument, "scoring config embedding.max_length " + std::to_string(config.embedding.max_length) +
                                            " exceeds the model's " + std::to_string(max_input_length_) + " tokens");
    score_max_length_ = config.embedding.max_length;
    // The keyword embeddings are computed here, before the first request; scored messages then go through
    // the batcher (score() below), so the embedder is only the scorer's description of the model.
    scorer_ = std::make_unique<ImpactScorer>(
        config, std::make_shared<EngineEmbedder>(engine_, config.embedding.max_length), state_.store);
  } else {
    scorer_ = std::make_unique<ImpactScorer>(config, nullptr, state_.store);
  }
  ready_ = true;
  metrics_.ready.set(1);
}

std::vector<int32_t> Service::encode(const std::string& text, bool truncate, TruncationSide side,
                                     const std::string& field, bool* truncated) const {
  std::vector<int32_t> ids = engine_->tokenizer().encode(text, 0);
  const auto limit = static_cast<size_t>(max_input_length_);
  if (ids.size() <= limit) return ids;
  if (!truncate && !options_.auto_truncate)
    throw ApiError(413,
                   field + " is " + std::to_string(ids.size()) + " tokens long, more than the model's maximum of " +
                       std::to_string(limit) + "; shorten it, send \"truncate\": true, or start the server with "
                       "--auto-truncate",
                   field);
  if (truncated != nullptr) *truncated = true;
  // Keep [CLS] and [SEP]; cut word pieces from the chosen side.
  const size_t keep = limit - 2;
  std::vector<int32_t> out;
  out.reserve(limit);
  out.push_back(ids.front());
  const auto first = side == TruncationSide::kRight ? ids.begin() + 1 : ids.end() - 1 - static_cast<std::ptrdiff_t>(keep);
  out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(keep));
  out.push_back(ids.back());
  return out;
}

TokenBatch Service::tokenize_inputs(const std::vector<std::string>& texts, bool truncate, TruncationSide side,
                                    const char* field, const Stage& stage) const {
  const auto start = std::chrono::steady_clock::now();
  TokenBatch batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string name = texts.size() == 1 ? std::string(field) : std::string(field) + "[" + std::to_string(i) + "]";
    bool truncated = false;
    std::vector<int32_t> ids = encode(texts[i], truncate, side, name, &truncated);
    if (truncated) stage.truncated.inc();
    stage.input_length.observe(static_cast<double>(ids.size()));
    batch.add(ids);
  }
  stage.tokenization.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return batch;
}

void Service::run_batch(TokenBatch batch, bool normalize, const Stage& stage, Done done,
                        std::function<OrderedJson(std::vector<float>)> reply) {
  engine_->require_backend();
  const bool queued = batcher_->submit(
      std::move(batch), normalize, [this, &stage, done = std::move(done), reply = std::move(reply)](BatchResult r) {
        stage.queue.observe(r.queue_seconds);
        stage.inference.observe(r.inference_seconds);
        defer_([done, reply, r = std::move(r)]() mutable {
          if (r.error) return done(r.error, {});
          OrderedJson json;
          try {
            json = reply(std::move(r.rows));
          } catch (...) {
            return done(std::current_exception(), {});
          }
          done(nullptr, std::move(json));
        });
      });
  if (!queued)
    throw ApiError(429, "too many concurrent requests (--max-concurrent-requests " +
                            std::to_string(options_.max_concurrent_requests) + "); retry after a short wait");
}

void Service::embed(const nlohmann::json& body, Done done) {
  const EmbedRequest r = parse_embed_request(body, limits_);
  const size_t inputs = r.inputs.size();
  const auto dim = static_cast<size_t>(engine_->config().dim);
  run_batch(tokenize_inputs(r.inputs, r.truncate, r.side, "inputs", embed_stage_), r.normalize, embed_stage_,
            std::move(done), [inputs, dim](std::vector<float> rows) {
              OrderedJson out = OrderedJson::array();
              for (size_t i = 0; i < inputs; ++i) out.push_back(float_row(std::span(rows).subspan(i * dim, dim)));
              return out;
            });
}

void Service::openai_embeddings(const nlohmann::json& body, Done done) {
  OpenAiEmbeddingsRequest r = parse_openai_request(body, limits_);
  TokenBatch batch = tokenize_inputs(r.inputs, false, TruncationSide::kRight, "input", openai_stage_);
  const int tokens = batch.total_tokens();
  const auto dim = static_cast<size_t>(engine_->config().dim);
  const std::string model = r.model.empty() ? engine_->files().dir.filename().string() : r.model;
  run_batch(std::move(batch), true, openai_stage_, std::move(done),
            [inputs = r.inputs.size(), base64 = r.base64, dim, tokens, model](std::vector<float> rows) {
              OrderedJson data = OrderedJson::array();
              for (size_t i = 0; i < inputs; ++i) {
                const std::span<const float> row = std::span(rows).subspan(i * dim, dim);
                OrderedJson item;
                item["object"] = "embedding";
                item["index"] = i;
                item["embedding"] = base64 ? OrderedJson(base64_floats(row)) : float_row(row);
                data.push_back(std::move(item));
              }
              OrderedJson out;
              out["object"] = "list";
              out["data"] = std::move(data);
              out["model"] = model;
              out["usage"] = {{"prompt_tokens", tokens}, {"total_tokens", tokens}};
              return out;
            });
}

OrderedJson Service::tokenize(const nlohmann::json& body) {
  const TokenizeRequest r = parse_tokenize_request(body, limits_);
  const Tokenizer& tokenizer = engine_->tokenizer();
  OrderedJson out = OrderedJson::array();
  for (const std::string& text : r.inputs) {
    const std::vector<int32_t> ids = tokenizer.encode(text, 0);
    OrderedJson tokens = OrderedJson::array();
    // encode() always adds [CLS] ... [SEP]; without special tokens those two are dropped.
    const size_t skip = r.add_special_tokens ? 0 : 1;
    for (size_t i = skip; i + skip < ids.size(); ++i) {
      const bool special = i == 0 || i + 1 == ids.size();
      tokens.push_back({{"id", ids[i]}, {"text", vocab_.text(ids[i])}, {"special", special}});
    }
    out.push_back(std::move(tokens));
  }
  return out;
}

void Service::score(const nlohmann::json& body, Done done) {
  if (!scorer_) throw ApiError(503, "the scorer is not ready yet (warming up); retry shortly");
  auto request = std::make_shared<const ScoreRequest>(parse_score_request(body, limits_));
  auto plan = std::make_shared<const ImpactScorer::Plan>(scorer_->plan(request->messages, request->contexts));
  // Runs where the reply is built: the per-agent state (possibly a Redis round trip) and the JSON.
  auto finish = [this, request, plan](std::vector<float> embeddings) {
    const std::vector<ImpactResult> results =
        scorer_->finish(*plan, embeddings, request->messages, request->contexts);
    metrics_.state_degraded.set(state_.shared && state_.shared->degraded() ? 1 : 0);
    if (request->single) return to_json(results.front());
    OrderedJson list = OrderedJson::array();
    for (const ImpactResult& result : results) list.push_back(to_json(result));
    return OrderedJson{{"results", std::move(list)}, {"mode", scorer_->mode()}};
  };
  if (plan->texts.empty()) return done(nullptr, finish({}));
  const auto start = std::chrono::steady_clock::now();
  TokenBatch batch;
  for (const std::string& text : plan->texts) {
    std::vector<int32_t> ids = engine_->tokenizer().encode(text, score_max_length_);
    score_stage_.input_length.observe(static_cast<double>(ids.size()));
    batch.add(ids);
  }
  score_stage_.tokenization.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  run_batch(std::move(batch), true, score_stage_, std::move(done), std::move(finish));
}

OrderedJson Service::status() const { return engine_->status_json(); }

OrderedJson Service::health() const {
  const bool degraded = state_.shared && state_.shared->degraded();
  metrics_.state_degraded.set(degraded ? 1 : 0);
  OrderedJson j;
  j["status"] = degraded ? "degraded" : "ok";
  j["state"] = state_.shared ? OrderedJson(state_.shared->health()) : OrderedJson{{"backend", "memory"}};
  return j;
}

OrderedJson Service::info() const {
  OrderedJson j;
  const ModelConfig& c = engine_->config();
  j["model_id"] = engine_->files().dir.string();
  j["model_sha"] = engine_->model_sha256();
  j["model_dtype"] = engine_->backend() != nullptr ? engine_->backend()->info().precision : "none";
  j["model_type"] = {{"embedding", {{"pooling", "mean"}}}};
  j["dim"] = c.dim;
  j["backend"] = engine_->active_backend();
  j["max_concurrent_requests"] = options_.max_concurrent_requests;
  j["max_input_length"] = max_input_length_;
  j["auto_truncate"] = options_.auto_truncate;
  j["max_batch_tokens"] = options_.max_batch_tokens;
  j["max_batch_requests"] = options_.max_batch_requests;
  j["max_batch_delay_us"] = options_.max_batch_delay_us;
  j["max_client_batch_size"] = options_.max_client_batch_size;
  j["payload_limit"] = options_.payload_limit;
  j["require_constitutional_hash"] = options_.require_constitutional_hash;
  j["constitutional_hash"] = kConstitutionalHash;
  return j;
}

}  // namespace acgs::server
