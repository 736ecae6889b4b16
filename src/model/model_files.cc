#include "model/model_files.h"

#include <cmath>
#include <map>

#include "common/error.h"
#include "common/sha256.h"
#include "model/safetensors.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

std::string how_to_get(const fs::path& dir) {
  return "; write a model with `acgs-infer synth --preset base --seed 0 --out " + dir.string() +
         "` or point --model at a Hugging Face DistilBERT or BERT directory (config.json, model.safetensors, vocab.txt)";
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Encoder tensors of the file by their unprefixed name. Tensors outside the encoder (MLM heads
// vocab_transform / cls.predictions, BERT's pooler, classifier heads) are skipped.
std::map<std::string, const TensorInfo*> encoder_tensors(const ModelConfig& config, const SafetensorsView& view) {
  const std::string prefix = encoder_prefix(config);
  std::map<std::string, const TensorInfo*> found;
  for (const TensorInfo& t : view.tensors()) {
    const std::string name = t.name.starts_with(prefix) ? t.name.substr(prefix.size()) : t.name;
    if (!is_encoder_name(config, name) || is_ignored_encoder_buffer(name)) continue;
    if (!found.emplace(name, &t).second)
      fail(ErrorKind::kInvalidModel, view.source() + ": tensor '" + name + "' is stored twice (with and without the '" +
                                         prefix + "' prefix); keep one copy");
  }
  return found;
}

void check_finite(const std::string& source, const std::string& name, const std::vector<float>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      fail(ErrorKind::kInvalidModel, source + ": tensor '" + name + "' holds a non-finite value (" +
                                         std::to_string(values[i]) + ") at flat index " + std::to_string(i) +
                                         "; the checkpoint is corrupt");
}

}  // namespace

ModelFiles locate_model(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    fail(ErrorKind::kInvalidModel, "model directory " + path.string() + " does not exist" + how_to_get(path));
  if (!fs::is_directory(path, ec))
    fail(ErrorKind::kInvalidModel, "--model " + path.string() + " is not a directory" + how_to_get(path));
  ModelFiles files;
  files.dir = path;
  files.config = path / "config.json";
  if (!fs::is_regular_file(files.config, ec))
    fail(ErrorKind::kInvalidModel, "missing " + files.config.string() + how_to_get(path));
  files.weights = path / "model.safetensors";
  files.format = "safetensors";
  if (!fs::is_regular_file(files.weights, ec)) {
    if (fs::exists(path / "pytorch_model.bin", ec))
      fail(ErrorKind::kInvalidModel,
           "missing " + files.weights.string() +
               " (found pytorch_model.bin, which is not read): convert it with "
               "`python3 -c \"from transformers import AutoModel; AutoModel.from_pretrained('" +
               path.string() + "').save_pretrained('" + path.string() + "', safe_serialization=True)\"`");
    fail(ErrorKind::kInvalidModel, "missing " + files.weights.string() + how_to_get(path));
  }
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    if (fs::is_regular_file(path / name, ec)) {
      files.tokenizer = path / name;
      break;
    }
  }
  if (files.tokenizer.empty())
    fail(ErrorKind::kInvalidModel,
         "missing " + (path / "tokenizer.json").string() + " or " + (path / "vocab.txt").string() + how_to_get(path));
  return files;
}

ModelWeights weights_from_safetensors(const ModelConfig& config, const SafetensorsView& view,
                                      const std::string& config_source) {
  ModelWeights weights;
  weights.config = config;
  weights.layers.resize(static_cast<size_t>(config.n_layers));
  auto found = encoder_tensors(config, view);
  const std::string& source = view.source();
  for (const TensorSlot& slot : tensor_slots(weights)) {
    const auto it = found.find(slot.name);
    if (it == found.end())
      fail(ErrorKind::kInvalidModel, source + ": missing tensor '" + slot.name +
                                         "' (looked for it with and without the '" + encoder_prefix(config) +
                                         "' prefix); the file does not match " + config_source);
    const TensorInfo& info = *it->second;
    if (info.shape != slot.shape)
      fail(ErrorKind::kInvalidModel, source + ": tensor '" + info.name + "' has shape " + shape_string(info.shape) +
                                         " but " + config_source + " implies " + shape_string(slot.shape) +
                                         "; the weights and config.json belong to different models");
    slot.tensor->shape = slot.shape;
    slot.tensor->data = view.to_f32(info);
    check_finite(source, info.name, slot.tensor->data);
    found.erase(it);
  }
  if (!found.empty())
    fail(ErrorKind::kInvalidModel, source + ": unexpected tensor '" + found.begin()->second->name +
                                       "' is not part of the encoder described by " + config_source + " (" +
                                       std::to_string(config.n_layers) +
                                       " layers); the weights and config.json belong to different models");
  return weights;
}

ModelWeights load_weights(const ModelFiles& files) {
  if (files.format != "safetensors")
    fail(ErrorKind::kInvalidModel,
         files.weights.string() + ": weights format '" + files.format + "' is not supported; give a model.safetensors");
  const ModelConfig config = load_config(files.config);
  const SafetensorsFile file(files.weights);
  ModelWeights weights = weights_from_safetensors(config, file.view(), files.config.string());
  weights.sha256 = sha256_hex(file.file_bytes());
  return weights;
}

}  // namespace acgs
