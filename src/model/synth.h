#pragma once
// Synthetic DistilBERT models with deterministic random weights, for tests, benchmarks and the demo
// (real weights cannot be downloaded here). The PRNG (splitmix64) and the normal transform (Box-Muller)
// are our own, since std::normal_distribution differs across standard libraries; the same (preset,
// seed) gives byte-identical files wherever libm's log/sin/cos agree (any glibc x86-64 build).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/sentence_config.h"
#include "model/weights.h"

namespace acgs {

// "base": distilbert-base-uncased shapes (vocab 30522, dim 768, 6 layers, 12 heads, FFN 3072, 512
// positions). "tiny": same vocab and positions, dim 64, 2 layers, 4 heads, FFN 128.
// BERT (vocab 30522, 512 positions, 2 token types): "minilm-l6" (all-MiniLM-L6-v2: 384, 6 layers, 12 heads,
// FFN 1536), "bge-small" (bge-small-en-v1.5: 384, 12, 12, 1536), "bert-base" (768, 12, 12, 3072).
// Throws Error(kInvalidArgument) for another name.
ModelConfig synth_preset(const std::string& preset);
std::vector<std::string> synth_preset_names();
// The sentence-transformers files a preset's directory gets ({declared = false}: none): minilm-l6 mean +
// Normalize, max_seq_length 256; bge-small cls + Normalize, 512; bert-base mean, 384, no Normalize.
SentenceConfig synth_sentence_config(const std::string& preset);

// Weights like HF's initialisation: matrices and embeddings ~ N(0, 0.02) (pad row of the word
// embeddings zero), biases ~ N(0, 0.02), LayerNorm gamma ~ 1 + N(0, 0.05) and beta ~ N(0, 0.02) (not
// exactly 1/0, so a backend that swaps or ignores them fails its parity tests). sha256 stays empty.
ModelWeights synth_weights(const ModelConfig& config, uint64_t seed);

// Writes `dir`/config.json, model.safetensors (F32, unprefixed HF names), vocab.txt and tokenizer.json
// (bert-base-uncased, from the data directory). Creates `dir` if needed; overwrites those four files.
// Returns the sha256 of the written model.safetensors.
std::string save_model_dir(const ModelWeights& weights, const std::filesystem::path& dir);

// synth_preset + synth_weights + save_model_dir, then save_sentence_config when the preset declares one.
std::string synth_model(const std::string& preset, uint64_t seed, const std::filesystem::path& dir);

}  // namespace acgs
