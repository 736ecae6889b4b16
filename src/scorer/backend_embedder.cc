#include "scorer/backend_embedder.h"

#include "common/error.h"

namespace acgs {

BackendEmbedder::BackendEmbedder(std::shared_ptr<const Tokenizer> tokenizer, std::shared_ptr<Backend> backend,
                                 int max_length)
    : tokenizer_(std::move(tokenizer)), backend_(std::move(backend)), max_length_(max_length) {
  if (!tokenizer_ || !backend_) fail(ErrorKind::kInternal, "BackendEmbedder needs a tokenizer and a backend");
  if (max_length_ < 2) fail(ErrorKind::kInvalidArgument, "embedding max_length must be at least 2 ([CLS] and [SEP])");
}

int BackendEmbedder::dim() const { return backend_->config().dim; }

std::string BackendEmbedder::name() const { return backend_->info().name; }

void BackendEmbedder::embed(std::span<const std::string> texts, std::span<float> out) {
  check_output(out, texts.size() * static_cast<size_t>(dim()), "BackendEmbedder::embed output");
  if (texts.empty()) return;
  const TokenBatch batch = tokenizer_->encode_packed(texts, max_length_);
  backend_->embed(batch, Pooling::kMean, /*normalize=*/true, out);
}

}  // namespace acgs
