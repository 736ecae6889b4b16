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
  std::filesystem::path tokenizer;  // tokenizer.json, else vocab.txt (locate_model fails if neither)
  std::string format;               // "safetensors" | "onnx"
};

// Throws Error(kInvalidModel) saying which file is missing and how to get one (`acgs-infer synth`).
ModelFiles locate_model(const std::filesystem::path& path);
// Reads config + weights (safetensors via mmap; F32/F16/BF16; keys with or without the `distilbert.`
// prefix; MLM-head and other non-encoder tensors ignored). Validates every shape against the config.
ModelWeights load_weights(const ModelFiles& files);

class SafetensorsView;
// The tensor mapping and validation of load_weights on an already parsed config and safetensors image
// (in-memory callers: the fuzzer, tests). `config_source` names the config in error messages; sha256
// stays empty.
ModelWeights weights_from_safetensors(const ModelConfig& config, const SafetensorsView& view,
                                      const std::string& config_source);

}  // namespace acgs
