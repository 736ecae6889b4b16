#pragma once
// What the impact scorer needs from a model: texts in, one L2-normalized mean-pooled vector per text out.
// The scorer's semantic factor is a cosine similarity, which for unit vectors is a dot product. A scorer
// built without an embedder (nullptr) scores with keyword heuristics only.
#include <span>
#include <string>

namespace acgs {

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  virtual int dim() const = 0;
  // Backend name ("reference", "cpu", …) for reports.
  virtual std::string name() const = 0;
  // out: [texts.size(), dim()] row-major, each row mean-pooled over the text's tokens and L2-normalized.
  // All texts go through the model in one batch. Thread-safe. Throws acgs::Error on failure.
  virtual void embed(std::span<const std::string> texts, std::span<float> out) = 0;
};

}  // namespace acgs
