#include "model/synth.h"

#include <cmath>
#include <fstream>
#include <numbers>

#include "common/data_dir.h"
#include "common/error.h"
#include "common/sha256.h"
#include "model/mapped_file.h"
#include "model/safetensors.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

constexpr float kInitStd = 0.02f;  // DistilBertConfig.initializer_range
constexpr float kGammaNoise = 0.05f;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Standard normals by Box-Muller on a splitmix64 stream. Each tensor gets its own stream keyed by
// (seed, name), so a tensor's values do not depend on which tensors precede it.
void fill_normal(std::vector<float>& out, uint64_t seed, const std::string& name, float mean, float stddev) {
  uint64_t state = seed ^ fnv1a(name);
  for (size_t i = 0; i < out.size(); i += 2) {
    const double u1 = (static_cast<double>(splitmix64(state) >> 11) + 1.0) * 0x1p-53;  // (0, 1]: log finite
    const double u2 = static_cast<double>(splitmix64(state) >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    out[i] = mean + stddev * static_cast<float>(r * std::cos(theta));
    if (i + 1 < out.size()) out[i + 1] = mean + stddev * static_cast<float>(r * std::sin(theta));
  }
}

void copy_file_atomically(const fs::path& from, const fs::path& to) {
  const fs::path tmp = to.string() + ".tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  fs::rename(tmp, to);
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) fail(ErrorKind::kInvalidArgument, "cannot write " + tmp.string() + ": check the directory is writable");
  }
  fs::rename(tmp, path);
}

}  // namespace

std::vector<std::string> synth_preset_names() { return {"tiny", "base", "minilm-l6", "bge-small", "bert-base"}; }

ModelConfig synth_preset(const std::string& preset) {
  ModelConfig c;  // defaults are distilbert-base-uncased
  const auto shape = [&c](int dim, int layers, int heads, int ffn) {
    c.dim = dim;
    c.n_layers = layers;
    c.n_heads = heads;
    c.hidden_dim = ffn;
    return c;
  };
  if (preset == "base") return c;
  if (preset == "tiny") return shape(64, 2, 4, 128);
  c.model_type = "bert";
  c.type_vocab_size = 2;
  if (preset == "minilm-l6") return shape(384, 6, 12, 1536);
  if (preset == "bge-small") return shape(384, 12, 12, 1536);
  if (preset == "bert-base") return shape(768, 12, 12, 3072);
  fail(ErrorKind::kInvalidArgument, "unknown synth preset '" + preset + "': choose tiny, base, minilm-l6, bge-small or bert-base");
}

SentenceConfig synth_sentence_config(const std::string& preset) {
  synth_preset(preset);  // rejects unknown names
  SentenceConfig s;
  s.declared = preset == "minilm-l6" || preset == "bge-small" || preset == "bert-base";
  if (preset == "minilm-l6") {
    s.normalize = true;
    s.max_seq_length = 256;
  } else if (preset == "bge-small") {
    s.pooling = "cls";
    s.normalize = true;
    s.max_seq_length = 512;
  } else if (preset == "bert-base") {
    s.max_seq_length = 384;
  }
  return s;
}

ModelWeights synth_weights(const ModelConfig& config, uint64_t seed) {
  ModelWeights w;
  w.config = config;
  w.layers.resize(static_cast<size_t>(config.n_layers));
  for (const TensorSlot& slot : tensor_slots(w)) {
    Tensor& t = *slot.tensor;
    t.shape = slot.shape;
    t.data.resize(static_cast<size_t>(t.numel()));
    const bool is_norm =
        slot.name.find("LayerNorm") != std::string::npos || slot.name.find("layer_norm") != std::string::npos;
    const bool is_gamma = is_norm && slot.name.ends_with(".weight");
    fill_normal(t.data, seed, slot.name, is_gamma ? 1.0f : 0.0f, is_gamma ? kGammaNoise : kInitStd);
  }
  // nn.Embedding(padding_idx=pad_token_id) keeps the pad row at zero.
  const size_t dim = static_cast<size_t>(config.dim);
  std::fill_n(w.word_embeddings.data.begin() + static_cast<std::ptrdiff_t>(config.pad_token_id * dim), dim, 0.0f);
  return w;
}

std::string save_model_dir(const ModelWeights& weights, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(ErrorKind::kInvalidArgument, "cannot create " + dir.string() + ": " + ec.message());
  write_text_atomically(dir / "config.json", config_to_json(weights.config));
  std::vector<TensorToWrite> tensors;
  for (const ConstTensorSlot& slot : tensor_slots(weights))
    tensors.push_back({slot.name, slot.tensor->shape, slot.tensor->data, DType::kF32});
  write_safetensors(dir / "model.safetensors", tensors);
  for (const char* name : {"vocab.txt", "tokenizer.json"})
    copy_file_atomically(find_data_file(std::string("bert-base-uncased/") + name), dir / name);
  return sha256_hex(MappedFile(dir / "model.safetensors").bytes());
}

std::string synth_model(const std::string& preset, uint64_t seed, const fs::path& dir) {
  const ModelConfig config = synth_preset(preset);
  const std::string sha = save_model_dir(synth_weights(config, seed), dir);
  if (const SentenceConfig s = synth_sentence_config(preset); s.declared) save_sentence_config(s, config.dim, dir);
  return sha;
}

}  // namespace acgs
