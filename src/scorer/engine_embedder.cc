#include "scorer/engine_embedder.h"

#include "common/error.h"

namespace acgs {

EngineEmbedder::EngineEmbedder(std::shared_ptr<const Engine> engine, int max_length) : engine_(std::move(engine)) {
  if (!engine_) fail(ErrorKind::kInternal, "EngineEmbedder needs an engine");
  engine_->require_backend();
  if (max_length < 2 || max_length > engine_->config().max_position_embeddings)
    fail(ErrorKind::kInvalidArgument, "embedding max_length " + std::to_string(max_length) + " is outside [2, " +
                                          std::to_string(engine_->config().max_position_embeddings) + "]");
  options_.pooling = engine_->embed_defaults().pooling;  // a CLS-trained model (bge) compares CLS vectors
  options_.normalize = true;  // the scorer's similarities are dot products of unit vectors
  options_.max_length = max_length;
}

int EngineEmbedder::dim() const { return engine_->config().dim; }

std::string EngineEmbedder::name() const { return engine_->active_backend(); }

void EngineEmbedder::embed(std::span<const std::string> texts, std::span<float> out) {
  if (texts.empty()) return;
  engine_->embed(texts, options_, out);
}

}  // namespace acgs
