#pragma once
// Locating and loading a model directory in Hugging Face layout (config.json, model.safetensors,
// tokenizer.json / vocab.txt).
#include <filesystem>
#include <string>

#include "model/weights.h"

namespace acgs {

struct ModelFiles {
  std::filesystem::path dir;
  std::filesystem::path config;     // config.json
  std::filesystem::path weights;    // model.safetensors (or model.onnx once ONNX import exists)
  std::filesystem::path tokenizer;  // tokenizer.json, else vocab.txt; empty if neither
  std::string format;               // "safetensors" | "onnx"
};

// Throws Error(kInvalidModel) saying which file is missing and how to get one (`acgs-infer synth`).
ModelFiles locate_model(const std::filesystem::path& path);
// Reads config + weights (safetensors via mmap; F32/F16/BF16; keys with or without the `distilbert.`
// prefix; MLM-head and other non-encoder tensors ignored). Validates every shape against the config.
ModelWeights load_weights(const ModelFiles& files);

}  // namespace acgs
