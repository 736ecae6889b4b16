#include "engine/engine.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "engine/backend_chain.h"
#include "engine/batching.h"
#include "engine/model_source.h"

namespace acgs {

std::string requested_backend(const EngineOptions& options) {
  std::string name = options.backend;
  if (name.empty()) {
    const char* env = std::getenv("ACGS_BACKEND");
    name = env != nullptr ? env : "";
  }
  return name == "auto" ? "" : name;
}

std::unique_ptr<Engine> Engine::open(const std::string& model, const EngineOptions& options) {
  if (options.max_batch < 1 || options.token_budget < 1 || options.max_seq < 1)
    fail(ErrorKind::kInvalidArgument, "engine options: max_batch, max_seq and token_budget must be >= 1");
  LoadedModel loaded = load_model(model);
  ChainResult chain = select_backend(loaded, options, requested_backend(options));
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = options;
  engine->files_ = loaded.files;
  engine->sentence_ = loaded.sentence;
  engine->sha256_ = loaded.weights->sha256;
  engine->weights_ = loaded.weights;
  engine->tokenizer_ = loaded.tokenizer;
  engine->backend_ = std::move(chain.backend);
  engine->active_ = chain.active;
  engine->attempts_ = std::move(chain.attempts);
  engine->plan_ = std::move(chain.plan);
  return engine;
}

Engine::~Engine() = default;

std::string Engine::active_backend() const { return active_; }

const ModelConfig& Engine::config() const { return weights_->config; }

Pooling pooling_from_name(const std::string& name) {
  if (name == "mean") return Pooling::kMean;
  if (name == "cls") return Pooling::kCls;
  if (name == "max") return Pooling::kMax;
  fail(ErrorKind::kInvalidArgument, "pooling '" + name + "' is not supported: use mean, cls or max");
}

EmbedOptions Engine::embed_defaults() const {
  EmbedOptions o;
  o.max_length = std::min(kDefaultMaxLength, config().max_position_embeddings);
  if (!sentence_.declared) return o;
  o.pooling = pooling_from_name(sentence_.pooling);
  o.normalize = sentence_.normalize;
  if (sentence_.max_seq_length > 0) o.max_length = std::min(sentence_.max_seq_length, config().max_position_embeddings);
  return o;
}

void Engine::require_backend() const {
  if (backend_ != nullptr) return;
  std::string reasons;
  for (const BackendAttempt& a : attempts_)
    if (!a.reason.empty()) reasons += (reasons.empty() ? "" : "; ") + a.name + ": " + a.reason;
  fail(ErrorKind::kUnavailable, "no inference backend can run here (" + reasons + ")");
}

void Engine::forward(const TokenBatch& batch, std::span<float> hidden) const {
  require_backend();
  const int dim = config().dim;
  check_batch(batch, config());
  check_output(hidden, static_cast<size_t>(batch.total_tokens()) * dim, "hidden");
  std::vector<float> rows;
  for (const BatchChunk& chunk : split_batch(batch, options_.max_batch, options_.token_budget)) {
    rows.resize(static_cast<size_t>(chunk.batch.total_tokens()) * dim);
    backend_->forward(chunk.batch, rows);
    scatter_token_rows(chunk, batch, rows, hidden, dim);
  }
}

std::vector<float> Engine::forward(const TokenBatch& batch) const {
  std::vector<float> hidden(static_cast<size_t>(batch.total_tokens()) * config().dim);
  forward(batch, hidden);
  return hidden;
}

void Engine::embed_tokens(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) const {
  require_backend();
  const int dim = config().dim;
  check_batch(batch, config());
  check_output(pooled, static_cast<size_t>(batch.size()) * dim, "pooled");
  std::vector<float> rows;
  for (const BatchChunk& chunk : split_batch(batch, options_.max_batch, options_.token_budget)) {
    rows.resize(static_cast<size_t>(chunk.batch.size()) * dim);
    backend_->embed(chunk.batch, pooling, normalize, rows);
    scatter_sequence_rows(chunk, rows, pooled, dim);
  }
}

void Engine::embed(std::span<const std::string> texts, const EmbedOptions& options, std::span<float> pooled) const {
  if (options.max_length < 2 || options.max_length > config().max_position_embeddings)
    fail(ErrorKind::kInvalidArgument, "max_length " + std::to_string(options.max_length) + " is outside [2, " +
                                          std::to_string(config().max_position_embeddings) +
                                          "] (room for [CLS] [SEP], at most the model's positions)");
  const TokenBatch batch = tokenizer_->encode_packed(texts, options.max_length);
  embed_tokens(batch, options.pooling, options.normalize, pooled);
}

std::vector<float> Engine::embed(std::span<const std::string> texts, const EmbedOptions& options) const {
  std::vector<float> pooled(texts.size() * static_cast<size_t>(config().dim));
  embed(texts, options, pooled);
  return pooled;
}

}  // namespace acgs
