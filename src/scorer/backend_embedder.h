#pragma once
// TextEmbedder over a Tokenizer and a Backend: tokenize (truncated to max_length), one packed batch,
// Backend::embed with mean pooling and L2 normalization.
#include <memory>

#include "backend/backend.h"
#include "scorer/text_embedder.h"
#include "tokenizer/tokenizer.h"

namespace acgs {

class BackendEmbedder final : public TextEmbedder {
 public:
  BackendEmbedder(std::shared_ptr<const Tokenizer> tokenizer, std::shared_ptr<Backend> backend, int max_length = 128);

  int dim() const override;
  std::string name() const override;
  void embed(std::span<const std::string> texts, std::span<float> out) override;

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<Backend> backend_;
  int max_length_;
};

}  // namespace acgs
