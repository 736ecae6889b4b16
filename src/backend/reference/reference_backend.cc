#include "backend/reference/reference_backend.h"

#include <fstream>
#include <string>
#include <vector>

#include "backend/reference/reference_ops.h"
#include "common/error.h"

namespace acgs {
namespace {

using reference::add_inplace;
using reference::attention;
using reference::gelu_erf;
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
      c.n_layers < 0 || c.max_position_embeddings <= 0)
    fail(ErrorKind::kInvalidModel, "reference backend: config has non-positive sizes or dim " +
                                       std::to_string(c.dim) + " not divisible by n_heads " +
                                       std::to_string(c.n_heads));
  if (c.activation != "gelu")
    fail(ErrorKind::kInvalidModel,
         "reference backend: activation '" + c.activation + "' is not supported: DistilBERT uses gelu");
  if (w.layers.size() != size_t(c.n_layers))
    fail(ErrorKind::kInvalidModel, "reference backend: " + std::to_string(w.layers.size()) +
                                       " layers of weights, config says n_layers " + std::to_string(c.n_layers));
  const int64_t d = c.dim, h = c.hidden_dim;
  expect_shape(w.word_embeddings, {c.vocab_size, d}, "embeddings.word_embeddings.weight");
  expect_shape(w.position_embeddings, {c.max_position_embeddings, d}, "embeddings.position_embeddings.weight");
  expect_shape(w.emb_norm_g, {d}, "embeddings.LayerNorm.weight");
  expect_shape(w.emb_norm_b, {d}, "embeddings.LayerNorm.bias");
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights& l = w.layers[i];
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    const struct {
      const Tensor& t;
      std::vector<int64_t> shape;
      const char* name;
    } tensors[] = {
        {l.q_w, {d, d}, "attention.q_lin.weight"},     {l.q_b, {d}, "attention.q_lin.bias"},
        {l.k_w, {d, d}, "attention.k_lin.weight"},     {l.k_b, {d}, "attention.k_lin.bias"},
        {l.v_w, {d, d}, "attention.v_lin.weight"},     {l.v_b, {d}, "attention.v_lin.bias"},
        {l.out_w, {d, d}, "attention.out_lin.weight"}, {l.out_b, {d}, "attention.out_lin.bias"},
        {l.sa_norm_g, {d}, "sa_layer_norm.weight"},    {l.sa_norm_b, {d}, "sa_layer_norm.bias"},
        {l.ffn1_w, {h, d}, "ffn.lin1.weight"},         {l.ffn1_b, {h}, "ffn.lin1.bias"},
        {l.ffn2_w, {d, h}, "ffn.lin2.weight"},         {l.ffn2_b, {d}, "ffn.lin2.bias"},
        {l.out_norm_g, {d}, "output_layer_norm.weight"}, {l.out_norm_b, {d}, "output_layer_norm.bias"},
    };
    for (const auto& e : tensors) expect_shape(e.t, e.shape, p + e.name);
  }
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

  // DistilBertModel: embeddings, then n_layers × [attention, add & norm, FFN, add & norm]. x is the
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
  // x = LayerNorm(word_embeddings[id] + position_embeddings[position]); positions restart at 0 in every
  // packed sequence, as they do in each row of a padded HF batch.
  void embed_tokens(const TokenBatch& batch, float* x) const {
    const ModelConfig& c = config();
    const ModelWeights& w = *weights_;
    for (int s = 0; s < batch.size(); ++s) {
      for (int pos = 0; pos < batch.length(s); ++pos) {
        const int t = batch.offsets[s] + pos;
        const float* word = w.word_embeddings.data.data() + size_t(batch.ids[t]) * c.dim;
        const float* position = w.position_embeddings.data.data() + size_t(pos) * c.dim;
        float* row = x + size_t(t) * c.dim;
        for (int j = 0; j < c.dim; ++j) row[j] = word[j] + position[j];
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

  // ws.proj = lin2(gelu(lin1(x))).
  void feed_forward(int tokens, const LayerWeights& l, const float* x, Workspace& ws) const {
    const ModelConfig& c = config();
    linear(x, tokens, c.dim, l.ffn1_w.data.data(), l.ffn1_b.data.data(), c.hidden_dim, ws.inner.data());
    gelu_erf(ws.inner.data(), ws.inner.size());
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
