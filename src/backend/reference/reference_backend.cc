#include "backend/reference/reference_backend.h"

#include <fstream>
#include <string>
#include <vector>

#include "backend/activation.h"
#include "backend/reference/reference_ops.h"
#include "common/error.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

using reference::add_inplace;
using reference::attention;
using reference::layer_norm;
using reference::linear;

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  const std::string key = "model name";
  for (std::string line; std::getline(cpuinfo, line);) {
    const size_t colon = line.find(':');
    if (line.rfind(key, 0) == 0 && colon != std::string::npos && colon + 2 <= line.size())
      return line.substr(colon + 2);
  }
  return "cpu";
}

void expect_shape(const Tensor& t, std::vector<int64_t> shape, const std::string& name) {
  auto str = [](const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  };
  if (t.shape != shape || t.data.size() != size_t(t.numel()))
    fail(ErrorKind::kInvalidModel, "reference backend: tensor " + name + " has shape " + str(t.shape) + " and " +
                                       std::to_string(t.data.size()) + " values, expected shape " + str(shape) +
                                       ": the weights do not match their config (load them with load_weights)");
}

// Every tensor the forward pass reads must have the shape the config implies; the loops below index
// raw pointers with those sizes.
void validate(const ModelWeights& w) {
  const ModelConfig& c = w.config;
  if (c.vocab_size <= 0 || c.dim <= 0 || c.n_heads <= 0 || c.dim % c.n_heads != 0 || c.hidden_dim <= 0 ||
      c.n_layers < 0 || c.max_position_embeddings <= 0 || (c.is_bert() && c.type_vocab_size <= 0))
    fail(ErrorKind::kInvalidModel, "reference backend: config has non-positive sizes or dim " +
                                       std::to_string(c.dim) + " not divisible by n_heads " +
                                       std::to_string(c.n_heads));
  if (!is_supported_activation(c.activation))
    fail(ErrorKind::kInvalidModel,
         "reference backend: activation '" + c.activation + "' is not supported: use gelu, gelu_new or relu");
  if (w.layers.size() != size_t(c.n_layers))
    fail(ErrorKind::kInvalidModel, "reference backend: " + std::to_string(w.layers.size()) +
                                       " layers of weights, config says n_layers " + std::to_string(c.n_layers));
  for (const ConstTensorSlot& slot : tensor_slots(w)) expect_shape(*slot.tensor, slot.shape, slot.name);
}

// Per-call activations (so concurrent forward() calls share nothing but the read-only weights).
struct Workspace {
  std::vector<float> q, k, v, ctx, proj;  // [tokens, dim]
  std::vector<float> inner;               // [tokens, hidden_dim], the FFN's intermediate
  Workspace(size_t tokens, const ModelConfig& c)
      : q(tokens * c.dim), k(q.size()), v(q.size()), ctx(q.size()), proj(q.size()), inner(tokens * c.hidden_dim) {}
};

class ReferenceBackend final : public Backend {
 public:
  explicit ReferenceBackend(std::shared_ptr<const ModelWeights> weights)
      : weights_(std::move(weights)), device_(cpu_model_name()) {
    if (!weights_) fail(ErrorKind::kInvalidArgument, "reference backend: no weights given (null pointer)");
    validate(*weights_);
  }

  BackendInfo info() const override { return {"reference", "fp32", device_}; }
  const ModelConfig& config() const override { return weights_->config; }

  // DistilBertModel / BertModel (both post-LN): embeddings, then n_layers × [attention, add & norm, FFN, add & norm]. x is the
  // caller's output buffer, updated in place layer by layer.
  void forward(const TokenBatch& batch, std::span<float> hidden) override {
    const ModelConfig& c = config();
    check_batch(batch, c);
    const int tokens = batch.total_tokens();
    check_output(hidden, size_t(tokens) * c.dim, "hidden");
    float* x = hidden.data();
    Workspace ws(tokens, c);
    embed_tokens(batch, x);
    for (const LayerWeights& layer : weights_->layers) {
      self_attention(batch, layer, x, ws);
      add_inplace(x, ws.proj.data(), hidden.size());
      layer_norm(x, tokens, c.dim, layer.sa_norm_g.data.data(), layer.sa_norm_b.data.data(), c.layer_norm_eps);
      feed_forward(tokens, layer, x, ws);
      add_inplace(x, ws.proj.data(), hidden.size());
      layer_norm(x, tokens, c.dim, layer.out_norm_g.data.data(), layer.out_norm_b.data.data(), c.layer_norm_eps);
    }
  }

 private:
  // x = LayerNorm(word_embeddings[id] (+ BERT's token_type_embeddings[0]) + position_embeddings[position]),
  // summed in BertEmbeddings' order; positions restart at 0 in every packed sequence, as they do in each row
  // of a padded HF batch. Single texts have token_type_ids all 0.
  void embed_tokens(const TokenBatch& batch, float* x) const {
    const ModelConfig& c = config();
    const ModelWeights& w = *weights_;
    const float* type0 = c.is_bert() ? w.token_type_embeddings.data.data() : nullptr;
    for (int s = 0; s < batch.size(); ++s) {
      for (int pos = 0; pos < batch.length(s); ++pos) {
        const int t = batch.offsets[s] + pos;
        const float* word = w.word_embeddings.data.data() + size_t(batch.ids[t]) * c.dim;
        const float* position = w.position_embeddings.data.data() + size_t(pos) * c.dim;
        float* row = x + size_t(t) * c.dim;
        for (int j = 0; j < c.dim; ++j) row[j] = type0 ? (word[j] + type0[j]) + position[j] : word[j] + position[j];
      }
    }
    layer_norm(x, batch.total_tokens(), c.dim, w.emb_norm_g.data.data(), w.emb_norm_b.data.data(),
               c.layer_norm_eps);
  }

  // ws.proj = out_lin(attention(q_lin(x), k_lin(x), v_lin(x))), each sequence attending to itself only.
  void self_attention(const TokenBatch& batch, const LayerWeights& l, const float* x, Workspace& ws) const {
    const ModelConfig& c = config();
    const int tokens = batch.total_tokens();
    linear(x, tokens, c.dim, l.q_w.data.data(), l.q_b.data.data(), c.dim, ws.q.data());
    linear(x, tokens, c.dim, l.k_w.data.data(), l.k_b.data.data(), c.dim, ws.k.data());
    linear(x, tokens, c.dim, l.v_w.data.data(), l.v_b.data.data(), c.dim, ws.v.data());
    for (int s = 0; s < batch.size(); ++s) {
      const size_t first = size_t(batch.offsets[s]) * c.dim;
      attention(ws.q.data() + first, ws.k.data() + first, ws.v.data() + first, batch.length(s), c.n_heads,
                c.head_dim(), ws.ctx.data() + first);
    }
    linear(ws.ctx.data(), tokens, c.dim, l.out_w.data.data(), l.out_b.data.data(), c.dim, ws.proj.data());
  }

  // ws.proj = lin2(activation(lin1(x))).
  void feed_forward(int tokens, const LayerWeights& l, const float* x, Workspace& ws) const {
    const ModelConfig& c = config();
    linear(x, tokens, c.dim, l.ffn1_w.data.data(), l.ffn1_b.data.data(), c.hidden_dim, ws.inner.data());
    apply_activation(c.activation, ws.inner.data(), ws.inner.size());
    linear(ws.inner.data(), tokens, c.hidden_dim, l.ffn2_w.data.data(), l.ffn2_b.data.data(), c.dim,
           ws.proj.data());
  }

  std::shared_ptr<const ModelWeights> weights_;
  std::string device_;
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend(std::shared_ptr<const ModelWeights> weights) {
  return std::make_unique<ReferenceBackend>(std::move(weights));
}

}  // namespace acgs
