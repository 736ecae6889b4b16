#include "backend/cuda/weight_pack.h"

#include <cuda_fp16.h>

#include <cstring>

#include "backend/embedding_rows.h"
#include "common/error.h"

namespace acgs::cuda {
namespace {

void check_numel(const Tensor& t, int64_t expected, const std::string& name) {
  if (t.numel() != expected || int64_t(t.data.size()) != expected)
    fail(ErrorKind::kInvalidModel, "weight " + name + " has " + std::to_string(t.data.size()) +
                                       " values, the config needs " + std::to_string(expected) +
                                       ": the weights file does not match config.json");
}

class Packer {
 public:
  explicit Packer(std::string dtype) : dtype_(std::move(dtype)) {}

  // Concatenates `parts` (each checked against part_numel) into one blob of the compute dtype.
  void add(const std::string& name, std::vector<int64_t> shape, std::initializer_list<const Tensor*> parts,
           int64_t part_numel, bool force_f32 = false) {
    HostBlob blob{name, force_f32 ? "f32" : dtype_, std::move(shape), {}};
    const size_t width = blob.dtype == "f16" ? sizeof(__half) : sizeof(float);
    blob.bytes.resize(size_t(part_numel) * parts.size() * width);
    uint8_t* out = blob.bytes.data();
    for (const Tensor* t : parts) {
      check_numel(*t, part_numel, name);
      if (width == sizeof(float)) {
        std::memcpy(out, t->data.data(), t->data.size() * sizeof(float));
      } else {
        for (size_t i = 0; i < t->data.size(); ++i) {
          const __half h = __float2half_rn(t->data[i]);
          std::memcpy(out + i * sizeof(__half), &h, sizeof(__half));
        }
      }
      out += t->data.size() * width;
    }
    blobs_.push_back(std::move(blob));
  }

  std::vector<HostBlob> take() { return std::move(blobs_); }

 private:
  std::string dtype_;
  std::vector<HostBlob> blobs_;
};

}  // namespace

std::string layer_blob(int layer, const char* what) { return "layers." + std::to_string(layer) + "." + what; }

std::vector<HostBlob> pack_weights(const ModelWeights& w, const std::string& dtype) {
  const ModelConfig& c = w.config;
  const int64_t dim = c.dim, hidden = c.hidden_dim;
  if (int(w.layers.size()) != c.n_layers)
    fail(ErrorKind::kInvalidModel, "the weights have " + std::to_string(w.layers.size()) +
                                       " layers, config.json says " + std::to_string(c.n_layers));
  Packer p(dtype);
  p.add("word_embeddings", {c.vocab_size, dim}, {&w.word_embeddings}, c.vocab_size * dim);
  // BERT's token-type row 0 folded in, so the DistilBERT embedding kernel runs BERT unchanged.
  const Tensor positions{w.position_embeddings.shape, position_rows(w)};
  p.add("position_embeddings", {c.max_position_embeddings, dim}, {&positions}, c.max_position_embeddings * dim);
  p.add("emb_norm.gamma", {dim}, {&w.emb_norm_g}, dim, true);
  p.add("emb_norm.beta", {dim}, {&w.emb_norm_b}, dim, true);
  for (int i = 0; i < c.n_layers; ++i) {
    const LayerWeights& l = w.layers[i];
    p.add(layer_blob(i, "qkv_w"), {3 * dim, dim}, {&l.q_w, &l.k_w, &l.v_w}, dim * dim);
    p.add(layer_blob(i, "qkv_b"), {3 * dim}, {&l.q_b, &l.k_b, &l.v_b}, dim);
    p.add(layer_blob(i, "out_w"), {dim, dim}, {&l.out_w}, dim * dim);
    p.add(layer_blob(i, "out_b"), {dim}, {&l.out_b}, dim);
    p.add(layer_blob(i, "sa_norm.gamma"), {dim}, {&l.sa_norm_g}, dim, true);
    p.add(layer_blob(i, "sa_norm.beta"), {dim}, {&l.sa_norm_b}, dim, true);
    p.add(layer_blob(i, "ffn1_w"), {hidden, dim}, {&l.ffn1_w}, hidden * dim);
    p.add(layer_blob(i, "ffn1_b"), {hidden}, {&l.ffn1_b}, hidden);
    p.add(layer_blob(i, "ffn2_w"), {dim, hidden}, {&l.ffn2_w}, dim * hidden);
    p.add(layer_blob(i, "ffn2_b"), {dim}, {&l.ffn2_b}, dim);
    p.add(layer_blob(i, "out_norm.gamma"), {dim}, {&l.out_norm_g}, dim, true);
    p.add(layer_blob(i, "out_norm.beta"), {dim}, {&l.out_norm_b}, dim, true);
  }
  return p.take();
}

}  // namespace acgs::cuda
