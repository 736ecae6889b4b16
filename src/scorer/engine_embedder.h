#pragma once
// TextEmbedder over an Engine: the engine's backend chain (a CUDA plan when one runs here) and its
// batching (max_batch / token_budget splits), so any number of texts may be scored at once.
#include <memory>

#include "engine/engine.h"
#include "scorer/text_embedder.h"

namespace acgs {

class EngineEmbedder final : public TextEmbedder {
 public:
  // Error(kUnavailable) when the engine has no backend; Error(kInvalidArgument) for a max_length outside
  // [2, the model's positions].
  EngineEmbedder(std::shared_ptr<const Engine> engine, int max_length = 128);

  int dim() const override;
  std::string name() const override;
  void embed(std::span<const std::string> texts, std::span<float> out) override;

 private:
  std::shared_ptr<const Engine> engine_;
  EmbedOptions options_;
};

}  // namespace acgs
