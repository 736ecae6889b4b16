#include "model/tensor_slots.h"

#include <array>

namespace acgs {
namespace {

// Per-layer names in LayerWeights' member order: q, k, v, out (weight, bias), sa_norm (g, b), ffn1, ffn2,
// out_norm.
using LayerNames = std::array<const char*, 16>;

constexpr LayerNames kDistilbertLayer = {
    "attention.q_lin.weight",   "attention.q_lin.bias",   "attention.k_lin.weight",   "attention.k_lin.bias",
    "attention.v_lin.weight",   "attention.v_lin.bias",   "attention.out_lin.weight", "attention.out_lin.bias",
    "sa_layer_norm.weight",     "sa_layer_norm.bias",     "ffn.lin1.weight",          "ffn.lin1.bias",
    "ffn.lin2.weight",          "ffn.lin2.bias",          "output_layer_norm.weight", "output_layer_norm.bias",
};

constexpr LayerNames kBertLayer = {
    "attention.self.query.weight",       "attention.self.query.bias",       "attention.self.key.weight",
    "attention.self.key.bias",           "attention.self.value.weight",     "attention.self.value.bias",
    "attention.output.dense.weight",     "attention.output.dense.bias",     "attention.output.LayerNorm.weight",
    "attention.output.LayerNorm.bias",   "intermediate.dense.weight",       "intermediate.dense.bias",
    "output.dense.weight",               "output.dense.bias",               "output.LayerNorm.weight",
    "output.LayerNorm.bias",
};

const char* layer_namespace(const ModelConfig& c) { return c.is_bert() ? "encoder.layer." : "transformer.layer."; }

template <class W, class T>
std::vector<TensorSlotT<T>> make_slots(W& w) {
  const ModelConfig& c = w.config;
  const int64_t d = c.dim, h = c.hidden_dim;
  std::vector<TensorSlotT<T>> slots = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, d}, &w.word_embeddings},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, d}, &w.position_embeddings},
  };
  if (c.is_bert())
    slots.push_back({"embeddings.token_type_embeddings.weight", {c.type_vocab_size, d}, &w.token_type_embeddings});
  slots.push_back({"embeddings.LayerNorm.weight", {d}, &w.emb_norm_g});
  slots.push_back({"embeddings.LayerNorm.bias", {d}, &w.emb_norm_b});
  const LayerNames& names = c.is_bert() ? kBertLayer : kDistilbertLayer;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    auto& l = w.layers[i];
    const std::array<std::pair<T*, std::vector<int64_t>>, 16> tensors = {{
        {&l.q_w, {d, d}},     {&l.q_b, {d}},        {&l.k_w, {d, d}},      {&l.k_b, {d}},
        {&l.v_w, {d, d}},     {&l.v_b, {d}},        {&l.out_w, {d, d}},    {&l.out_b, {d}},
        {&l.sa_norm_g, {d}},  {&l.sa_norm_b, {d}},  {&l.ffn1_w, {h, d}},   {&l.ffn1_b, {h}},
        {&l.ffn2_w, {d, h}},  {&l.ffn2_b, {d}},     {&l.out_norm_g, {d}},  {&l.out_norm_b, {d}},
    }};
    const std::string p = layer_namespace(c) + std::to_string(i) + ".";
    for (size_t k = 0; k < tensors.size(); ++k) slots.push_back({p + names[k], tensors[k].second, tensors[k].first});
  }
  return slots;
}

}  // namespace

std::vector<TensorSlot> tensor_slots(ModelWeights& weights) { return make_slots<ModelWeights, Tensor>(weights); }

std::vector<ConstTensorSlot> tensor_slots(const ModelWeights& weights) {
  return make_slots<const ModelWeights, const Tensor>(weights);
}

std::string encoder_prefix(const ModelConfig& config) { return config.is_bert() ? "bert." : "distilbert."; }

bool is_encoder_name(const ModelConfig& config, const std::string& name) {
  return name.starts_with("embeddings.") || name.starts_with(layer_namespace(config));
}

bool is_ignored_encoder_buffer(const std::string& name) {
  // position_ids (and BERT's token_type_ids) are registered int64 buffers that some transformers versions
  // saved with the weights.
  return name == "embeddings.position_ids" || name == "embeddings.token_type_ids";
}

}  // namespace acgs
