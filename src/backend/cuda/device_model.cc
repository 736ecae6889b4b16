#include "backend/cuda/device_model.h"

#include <cuda_fp16.h>

#include "backend/cuda/weight_pack.h"

namespace acgs::cuda {
namespace {

template <typename T>
constexpr const char* kDtype = sizeof(T) == 2 ? "f16" : "f32";

template <typename T>
DeviceBuffer<T> upload(const BlobLookup& lookup, const std::string& name, const std::vector<int64_t>& shape) {
  const std::span<const uint8_t> bytes = lookup(name, kDtype<T>, shape);
  DeviceBuffer<T> buffer(bytes.size() / sizeof(T));
  ACGS_CUDA(cudaMemcpy(buffer.get(), bytes.data(), bytes.size(), cudaMemcpyHostToDevice));
  return buffer;
}

}  // namespace

template <typename T>
DeviceModel<T> upload_model(const ModelConfig& c, const BlobLookup& lookup) {
  const int64_t dim = c.dim, hidden = c.hidden_dim;
  DeviceModel<T> m;
  m.config = c;
  m.word = upload<T>(lookup, "word_embeddings", {c.vocab_size, dim});
  m.position = upload<T>(lookup, "position_embeddings", {c.max_position_embeddings, dim});
  m.emb_gamma = upload<float>(lookup, "emb_norm.gamma", {dim});
  m.emb_beta = upload<float>(lookup, "emb_norm.beta", {dim});
  for (int i = 0; i < c.n_layers; ++i) {
    DeviceLayer<T> l;
    l.qkv_w = upload<T>(lookup, layer_blob(i, "qkv_w"), {3 * dim, dim});
    l.qkv_b = upload<T>(lookup, layer_blob(i, "qkv_b"), {3 * dim});
    l.out_w = upload<T>(lookup, layer_blob(i, "out_w"), {dim, dim});
    l.out_b = upload<T>(lookup, layer_blob(i, "out_b"), {dim});
    l.sa_gamma = upload<float>(lookup, layer_blob(i, "sa_norm.gamma"), {dim});
    l.sa_beta = upload<float>(lookup, layer_blob(i, "sa_norm.beta"), {dim});
    l.ffn1_w = upload<T>(lookup, layer_blob(i, "ffn1_w"), {hidden, dim});
    l.ffn1_b = upload<T>(lookup, layer_blob(i, "ffn1_b"), {hidden});
    l.ffn2_w = upload<T>(lookup, layer_blob(i, "ffn2_w"), {dim, hidden});
    l.ffn2_b = upload<T>(lookup, layer_blob(i, "ffn2_b"), {dim});
    l.out_gamma = upload<float>(lookup, layer_blob(i, "out_norm.gamma"), {dim});
    l.out_beta = upload<float>(lookup, layer_blob(i, "out_norm.beta"), {dim});
    m.layers.push_back(std::move(l));
  }
  return m;
}

template DeviceModel<float> upload_model<float>(const ModelConfig&, const BlobLookup&);
template DeviceModel<__half> upload_model<__half>(const ModelConfig&, const BlobLookup&);

}  // namespace acgs::cuda
