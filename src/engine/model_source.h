#pragma once
// What `--model` may name, resolved to files, weights and a tokenizer: a Hugging Face directory
// (config.json + model.safetensors), an optimum-style directory holding model.onnx, a .onnx file (its
// tokenizer and config.json beside it when present), or empty / "default" for the embedded default model.
#include <filesystem>
#include <memory>
#include <string>

#include "model/model_files.h"
#include "model/sentence_config.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace acgs {

struct LoadedModel {
  ModelFiles files;  // files.format: "safetensors" | "onnx"
  std::shared_ptr<const ModelWeights> weights;
  std::shared_ptr<const Tokenizer> tokenizer;
  SentenceConfig sentence;  // the directory's sentence-transformers pooling, if it declares one
};

// Throws Error(kInvalidModel) naming the missing or malformed file.
ModelFiles locate_any_model(const std::string& model);
LoadedModel load_model(const std::string& model);

}  // namespace acgs
