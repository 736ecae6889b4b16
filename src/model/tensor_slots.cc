#include "model/tensor_slots.h"

namespace acgs {
namespace {

template <class W, class T>
std::vector<TensorSlotT<T>> make_slots(W& w) {
  const ModelConfig& c = w.config;
  const int64_t d = c.dim, h = c.hidden_dim;
  std::vector<TensorSlotT<T>> slots = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, d}, &w.word_embeddings},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, d}, &w.position_embeddings},
      {"embeddings.LayerNorm.weight", {d}, &w.emb_norm_g},
      {"embeddings.LayerNorm.bias", {d}, &w.emb_norm_b},
  };
  for (size_t i = 0; i < w.layers.size(); ++i) {
    auto& l = w.layers[i];
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    const std::vector<TensorSlotT<T>> layer = {
        {p + "attention.q_lin.weight", {d, d}, &l.q_w},       {p + "attention.q_lin.bias", {d}, &l.q_b},
        {p + "attention.k_lin.weight", {d, d}, &l.k_w},       {p + "attention.k_lin.bias", {d}, &l.k_b},
        {p + "attention.v_lin.weight", {d, d}, &l.v_w},       {p + "attention.v_lin.bias", {d}, &l.v_b},
        {p + "attention.out_lin.weight", {d, d}, &l.out_w},   {p + "attention.out_lin.bias", {d}, &l.out_b},
        {p + "sa_layer_norm.weight", {d}, &l.sa_norm_g},      {p + "sa_layer_norm.bias", {d}, &l.sa_norm_b},
        {p + "ffn.lin1.weight", {h, d}, &l.ffn1_w},           {p + "ffn.lin1.bias", {h}, &l.ffn1_b},
        {p + "ffn.lin2.weight", {d, h}, &l.ffn2_w},           {p + "ffn.lin2.bias", {d}, &l.ffn2_b},
        {p + "output_layer_norm.weight", {d}, &l.out_norm_g}, {p + "output_layer_norm.bias", {d}, &l.out_norm_b},
    };
    slots.insert(slots.end(), layer.begin(), layer.end());
  }
  return slots;
}

}  // namespace

std::vector<TensorSlot> tensor_slots(ModelWeights& weights) { return make_slots<ModelWeights, Tensor>(weights); }

std::vector<ConstTensorSlot> tensor_slots(const ModelWeights& weights) {
  return make_slots<const ModelWeights, const Tensor>(weights);
}

bool is_ignored_encoder_buffer(const std::string& name) {
  // position_ids is a registered int64 buffer that older transformers versions saved with the weights.
  return name == "embeddings.position_ids";
}

}  // namespace acgs
