#include "server/service.h"

#include <algorithm>

#include "common/error.h"
#include "scorer/scoring_config.h"
#include "server/api_error.h"
#include "server/base64.h"

namespace acgs::server {
namespace {

constexpr int kWarmupLengths[] = {16, 32, 64, 128};

EngineOptions engine_options(const ServerOptions& o) {
  EngineOptions e;
  e.backend = o.backend;
  e.threads = o.threads;
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

// The scorer's TextEmbedder: its texts join the same batches as /embed requests.
class BatcherEmbedder final : public TextEmbedder {
 public:
  BatcherEmbedder(Service& service, int max_length) : service_(service), max_length_(max_length) {}
  int dim() const override { return service_.engine().config().dim; }
  std::string name() const override { return service_.engine().active_backend(); }
  void embed(std::span<const std::string> texts, std::span<float> out) override {
    TokenBatch batch;
    for (const std::string& text : texts)
      batch.add(service_.engine().tokenizer().encode(text, max_length_));
    const std::vector<float> rows = service_.embed_tokens(std::move(batch), true);
    check_output(out, rows.size(), "embeddings");
    std::copy(rows.begin(), rows.end(), out.begin());
  }

 private:
  Service& service_;
  int max_length_;
};

OrderedJson float_row(std::span<const float> row) {
  OrderedJson a = OrderedJson::array();
  for (const float v : row) a.push_back(v);
  return a;
}

}  // namespace

Service::Service(const ServerOptions& options, profiler::MetricsRegistry& registry)
    : options_(options),
      limits_{options.max_client_batch_size},
      engine_(Engine::open(options.model, engine_options(options))),
      max_input_length_(std::min(engine_->options().max_seq, engine_->config().max_position_embeddings)),
      vocab_(VocabTable::load(engine_->files().tokenizer)),
      metrics_(registry),
      profiler_(profiler::ModelProfiler::Options{1000, &registry}),
      profiled_model_(&profiler_.model("distilbert")) {
  if (engine_->backend() != nullptr) {
    const BackendInfo info = engine_->backend()->info();
    metrics_.backend_info.set({info.name, info.precision, info.device});
  } else {
    metrics_.backend_info.set({"none", "", ""});
  }
  const Engine* engine = engine_.get();
  batcher_ = std::make_unique<Batcher>(
      batcher_options(options), engine_->config().dim,
      [this, engine](const TokenBatch& batch, std::span<float> pooled) {
        auto scope = profiler_.track(*profiled_model_);
        engine->embed_tokens(batch, Pooling::kMean, false, pooled);
      },
      &metrics_);
}

Service::~Service() { stop(); }

void Service::stop() {
  if (batcher_) batcher_->stop();
}

std::string Service::unhealthy_reason() const {
  if (engine_->backend() == nullptr) return "no inference backend can run here (see GET /v1/status)";
  if (!ready_) return "warming up";
  return "";
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
    scorer_ = std::make_unique<ImpactScorer>(
        config, std::make_shared<BatcherEmbedder>(*this, config.embedding.max_length), state_.store);
  } else {
    scorer_ = std::make_unique<ImpactScorer>(config, nullptr, state_.store);
  }
  ready_ = true;
}

std::vector<int32_t> Service::encode(const std::string& text, bool truncate, TruncationSide side,
                                     const std::string& field) const {
  std::vector<int32_t> ids = engine_->tokenizer().encode(text, 0);
  const auto limit = static_cast<size_t>(max_input_length_);
  if (ids.size() <= limit) return ids;
  if (!truncate)
    throw ApiError(413,
                   field + " is " + std::to_string(ids.size()) + " tokens long, more than the model's maximum of " +
                       std::to_string(limit) + "; shorten it or send \"truncate\": true",
                   field);
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

std::vector<float> Service::embed_tokens(TokenBatch batch, bool normalize) {
  engine_->require_backend();
  auto future = batcher_->submit(std::move(batch), normalize);
  if (!future)
    throw ApiError(429, "too many concurrent requests (--max-concurrent-requests " +
                            std::to_string(options_.max_concurrent_requests) + "); retry after a short wait");
  return future->get();
}

Service::Embedded Service::embed_texts(const std::vector<std::string>& texts, bool normalize, bool truncate,
                                       TruncationSide side, const char* field) {
  TokenBatch batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string name = texts.size() == 1 ? std::string(field) : std::string(field) + "[" + std::to_string(i) + "]";
    batch.add(encode(texts[i], truncate, side, name));
  }
  const int tokens = batch.total_tokens();
  return {embed_tokens(std::move(batch), normalize), tokens};
}

OrderedJson Service::embed(const nlohmann::json& body) {
  const EmbedRequest r = parse_embed_request(body, limits_);
  const Embedded e = embed_texts(r.inputs, r.normalize, r.truncate, r.side, "inputs");
  const int dim = engine_->config().dim;
  OrderedJson out = OrderedJson::array();
  for (size_t i = 0; i < r.inputs.size(); ++i)
    out.push_back(float_row(std::span(e.rows).subspan(i * static_cast<size_t>(dim), static_cast<size_t>(dim))));
  return out;
}

OrderedJson Service::openai_embeddings(const nlohmann::json& body) {
  const OpenAiEmbeddingsRequest r = parse_openai_request(body, limits_);
  const Embedded e = embed_texts(r.inputs, true, false, TruncationSide::kRight, "input");
  const auto dim = static_cast<size_t>(engine_->config().dim);
  OrderedJson data = OrderedJson::array();
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    const std::span<const float> row = std::span(e.rows).subspan(i * dim, dim);
    OrderedJson item;
    item["object"] = "embedding";
    item["index"] = i;
    item["embedding"] = r.base64 ? OrderedJson(base64_floats(row)) : float_row(row);
    data.push_back(std::move(item));
  }
  OrderedJson out;
  out["object"] = "list";
  out["data"] = std::move(data);
  out["model"] = r.model.empty() ? engine_->files().dir.filename().string() : r.model;
  out["usage"] = {{"prompt_tokens", e.tokens}, {"total_tokens", e.tokens}};
  return out;
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

OrderedJson Service::score(const nlohmann::json& body) {
  const ScoreRequest r = parse_score_request(body, limits_);
  if (!scorer_) throw ApiError(503, "the scorer is not ready yet (warming up); retry shortly");
  const std::vector<ImpactResult> results = scorer_->score_batch(r.messages, r.contexts);
  if (r.single) return to_json(results.front());
  OrderedJson list = OrderedJson::array();
  for (const ImpactResult& result : results) list.push_back(to_json(result));
  return {{"results", std::move(list)}, {"mode", scorer_->mode()}};
}

OrderedJson Service::status() const { return engine_->status_json(); }

OrderedJson Service::health() const {
  const bool degraded = state_.shared && state_.shared->degraded();
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
