#include "model/onnx/distilbert_graph.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "common/error.h"
#include "model/onnx/attention_evidence.h"

namespace acgs {
namespace {

using Node = onnx::NodeProto;

struct Linear {
  Tensor w, b;  // HF layout: w [out, in]
  std::string out;  // name of the output (after the bias Add)
  int in = 0, out_features = 0;
};

struct Norm {
  Tensor g, b;
  std::string out;
  float eps = 0;
};

class Matcher {
 public:
  explicit Matcher(const OnnxModelFile& file) : file_(file), index_(file) {}

  DistilBertGraph run() {
    std::string h = embeddings(out_.weights);
    for (int layer = 0;; ++layer) {
      std::vector<Linear> qkv = linears_of(h, out_.weights.config.dim);
      if (qkv.empty()) break;
      out_.weights.layers.push_back(encoder_layer(h, std::move(qkv), layer, out_.weights.config));
    }
    if (out_.weights.layers.empty())
      bad("after the embeddings LayerNorm no attention (three Linear layers of the hidden state) follows; "
          "found " + consumer_ops(h));
    out_.weights.config.n_layers = static_cast<int>(out_.weights.layers.size());
    out_.weights.config.hidden_dim = static_cast<int>(out_.weights.layers[0].ffn1_w.shape[0]);
    return std::move(out_);
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorKind::kInvalidModel, file_.where() + ": not a DistilBERT or BERT encoder graph: " + what);
  }

  const std::vector<const Node*>& consumers(const std::string& name) const { return index_.consumers(name); }

  std::string consumer_ops(const std::string& name) const {
    std::string s;
    for (const Node* n : consumers(name)) s += (s.empty() ? "" : ", ") + n->op_type();
    return s.empty() ? "nothing" : s;
  }

  const Node* consumer(const std::string& name, const std::string& op, const std::string& other_input = "") const {
    for (const Node* n : consumers(name)) {
      if (n->op_type() != op) continue;
      if (other_input.empty()) return n;
      for (const std::string& in : n->input())
        if (in == other_input) return n;
    }
    return nullptr;
  }

  std::optional<Tensor> const_floats(const std::string& name) const {
    const onnx::TensorProto* t = file_.constant(name);
    if (t == nullptr) return std::nullopt;
    return file_.floats(*t);
  }

  // The other input of a binary node than `known`.
  static std::string other(const Node& n, const std::string& known) {
    return n.input_size() == 2 ? (n.input(0) == known ? n.input(1) : n.input(0)) : "";
  }

  // MatMul(x, W) [+ b], MatMul(x, Transpose(W)) [+ b] or Gemm(x, W, b) starting at x; nullopt otherwise.
  std::optional<Linear> linear_at(const Node& n, const std::string& x) const {
    Linear lin;
    if (n.op_type() == "Gemm" && n.input_size() >= 2 && n.input(0) == x) {
      auto w = const_floats(n.input(1));
      if (!w || w->shape.size() != 2) return std::nullopt;
      bool trans_b = false;
      for (const auto& a : n.attribute())
        if (a.name() == "transB") trans_b = a.i() != 0;
      lin.w = trans_b ? std::move(*w) : transposed(*w);
      if (n.input_size() >= 3) {
        auto b = const_floats(n.input(2));
        if (!b) return std::nullopt;
        lin.b = std::move(*b);
      }
      lin.out = n.output(0);
    } else if (n.op_type() == "MatMul" && n.input_size() == 2 && n.input(0) == x) {
      if (auto w = const_floats(n.input(1)); w && w->shape.size() == 2) {
        lin.w = transposed(*w);
      } else {
        const Node* transpose = produced_by(n.input(1), "Transpose");
        if (transpose == nullptr) return std::nullopt;
        auto wt = const_floats(transpose->input(0));
        if (!wt || wt->shape.size() != 2) return std::nullopt;
        lin.w = std::move(*wt);
      }
      lin.out = n.output(0);
      if (const Node* add = consumer(lin.out, "Add")) {
        if (auto b = const_floats(other(*add, lin.out)); b && b->shape.size() == 1) {
          lin.b = std::move(*b);
          lin.out = add->output(0);
        }
      }
    } else {
      return std::nullopt;
    }
    lin.out_features = static_cast<int>(lin.w.shape[0]);
    lin.in = static_cast<int>(lin.w.shape[1]);
    if (lin.b.data.empty())
      lin.b = Tensor{{lin.out_features}, std::vector<float>(static_cast<size_t>(lin.out_features))};
    if (lin.b.numel() != lin.out_features) return std::nullopt;
    return lin;
  }

  static Tensor transposed(const Tensor& t) {
    const int64_t r = t.shape[0], c = t.shape[1];
    Tensor out{{c, r}, std::vector<float>(t.data.size())};
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) out.data[static_cast<size_t>(j * r + i)] = t.data[static_cast<size_t>(i * c + j)];
    return out;
  }

  // Every Linear reading x whose weight is [dim, in=dim] or [hidden, in=dim], in graph order.
  std::vector<Linear> linears_from(const std::string& x, int in) const {
    std::vector<Linear> out;
    for (const Node* n : consumers(x))
      if (auto lin = linear_at(*n, x); lin && lin->in == in) out.push_back(std::move(*lin));
    return out;
  }

  std::vector<Linear> linears_of(const std::string& h, int dim) const {
    std::vector<Linear> all = linears_from(h, dim), square;
    for (auto& l : all)
      if (l.out_features == dim) square.push_back(std::move(l));
    return square.size() == 3 ? std::move(square) : std::vector<Linear>{};
  }

  Norm layer_norm(const std::string& x, const std::string& what) {
    Norm norm = find_layer_norm(x, what);
    out_.layer_norm_eps.add(norm.eps, "the " + what + " LayerNorm ('" + norm.out + "')");
    return norm;
  }

  Norm find_layer_norm(const std::string& x, const std::string& what) const {
    if (const Node* ln = consumer(x, "LayerNormalization"); ln != nullptr && ln->input_size() >= 3) {
      auto g = const_floats(ln->input(1));
      auto b = const_floats(ln->input(2));
      float eps = 1e-5f;  // the operator's default per the ONNX spec (torch writes the attribute)
      for (const auto& a : ln->attribute())
        if (a.name() == "epsilon") eps = a.f();
      if (g && b) return {std::move(*g), std::move(*b), ln->output(0), eps};
    }
    // Decomposed: x - mean(x) -> / sqrt(var + eps) -> * gamma -> + beta.
    const Node* sub = consumer(x, "Sub");
    const Node* div = sub ? consumer(sub->output(0), "Div") : nullptr;
    const Node* mul = div ? consumer(div->output(0), "Mul") : nullptr;
    const Node* add = mul ? consumer(mul->output(0), "Add") : nullptr;
    auto g = mul ? const_floats(other(*mul, div->output(0))) : std::nullopt;
    auto b = add ? const_floats(other(*add, mul->output(0))) : std::nullopt;
    if (!g || !b)
      bad("expected the " + what + " LayerNorm (LayerNormalization, or Sub/Div/Mul/Add with constant gamma and "
          "beta) after '" + x + "'; found " + consumer_ops(x));
    const std::optional<float> eps = variance_eps(*div);
    if (!eps)
      bad("the " + what + " LayerNorm's Div '" + div->name() + "' does not divide by Sqrt(Add(variance, constant "
          "eps)), so its epsilon cannot be read");
    return {std::move(*g), std::move(*b), add->output(0), *eps};
  }

  // The scalar constant in Div(_, Sqrt(Add(var, eps))), if the graph has that shape.
  std::optional<float> variance_eps(const Node& div) const {
    const Node* sqrt = div.input_size() == 2 ? produced_by(div.input(1), "Sqrt") : nullptr;
    const Node* add = sqrt ? produced_by(sqrt->input(0), "Add") : nullptr;
    if (add == nullptr || add->input_size() != 2) return std::nullopt;
    for (const std::string& in : add->input())
      if (auto c = const_floats(in); c && c->data.size() == 1) return c->data[0];
    return std::nullopt;
  }

  const Node* produced_by(const std::string& name, const std::string& op) const {
    return index_.produced_by(name, op);
  }

  // What activation an FFN node between lin1 (output `x`) and lin2 shows: "gelu" for an Erf of x / sqrt(2)
  // or a Gelu node, "gelu_tanh" for the tanh approximation, "relu" for a Relu of x; nullopt for any other
  // node.
  std::optional<std::string> activation_of(const Node& n, const std::string& x) const {
    if (n.op_type() == "Gelu") {
      for (const auto& a : n.attribute())
        if (a.name() == "approximate" && a.s() == "tanh") return "gelu_tanh";
      return "gelu";
    }
    if (n.op_type() == "Tanh") return "gelu_tanh";
    if (n.op_type() == "Relu") return n.input(0) == x ? std::optional<std::string>("relu") : std::nullopt;
    if (n.op_type() != "Erf") return std::nullopt;
    const Node* scale = index_.producer(n.input(0));
    if (scale == nullptr || scale->input_size() != 2 || (scale->input(0) != x && scale->input(1) != x))
      return std::nullopt;
    const std::optional<double> c = index_.scalar(other(*scale, x));
    // Within fp16 rounding of sqrt(2), so half-precision exports are read too.
    const double sqrt2 = std::sqrt(2.0);
    if (c && scale->op_type() == "Div" && scale->input(0) == x && std::fabs(*c / sqrt2 - 1) < 1e-3) return "gelu";
    if (c && scale->op_type() == "Mul" && std::fabs(*c * sqrt2 - 1) < 1e-3) return "gelu";
    return std::nullopt;
  }

  // The output of the residual Add of `branch` and `skip`.
  std::string residual(const std::string& branch, const std::string& skip, const std::string& what) const {
    const Node* add = consumer(branch, "Add", skip);
    if (add == nullptr)
      bad("expected the " + what + " residual Add after '" + branch + "'; found " + consumer_ops(branch));
    return add->output(0);
  }

  // Whether a Gather index is BERT's token_type_ids as single texts have them (all 0): a graph input
  // other than input_ids (we feed it zeros) or zeros the graph makes itself (ConstantOfShape 0, or an
  // all-zero constant buffer sliced and expanded, what torch exports for zeros_like or HF's buffer). Any
  // other index (a Range, a position_ids buffer) makes the table the position embeddings.
  bool token_type_ids(std::string name, const std::set<std::string>& inputs) const {
    // Gather indices are integers; ints() refuses anything else with the tensor named.
    auto all_zero = [&](const onnx::TensorProto& t) {
      const std::vector<int64_t> v = file_.ints(t);
      return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 0; });
    };
    for (int steps = 0; steps < 8; ++steps) {
      if (inputs.count(name)) return name == "token_type_ids";
      if (const onnx::TensorProto* c = file_.constant(name)) return all_zero(*c);
      const Node* n = index_.producer(name);
      if (n == nullptr || n->input_size() < 1) return false;
      if (n->op_type() == "ConstantOfShape") {
        for (const auto& a : n->attribute())
          if (a.name() == "value") return all_zero(a.t());
        return true;  // the operator's default value is 0
      }
      if (n->op_type() != "Expand" && n->op_type() != "Slice" && n->op_type() != "Cast" &&
          n->op_type() != "Unsqueeze" && n->op_type() != "Reshape")
        return false;
      name = n->input(0);
    }
    return false;
  }

  std::string embeddings(ModelWeights& w) {
    std::set<std::string> inputs;
    for (const auto& in : file_.graph().input()) inputs.insert(in.name());
    for (const Node& n : file_.graph().node()) {
      if (n.op_type() != "Gather" || n.input_size() != 2 || !inputs.count(n.input(1))) continue;
      auto words = const_floats(n.input(0));
      if (!words || words->shape.size() != 2) continue;
      // word (+ token type, BERT) + position, in either order: a chain of Adds of Gathers from tables of the
      // same width, then the LayerNorm.
      std::string sum = n.output(0);
      std::optional<Tensor> pos;
      for (int adds = 0; adds < 2; ++adds) {
        const Node* add = consumer(sum, "Add");
        const Node* gather = add != nullptr ? produced_by(other(*add, sum), "Gather") : nullptr;
        auto table = gather != nullptr ? const_floats(gather->input(0)) : std::nullopt;
        if (!table || table->shape.size() != 2 || table->shape[1] != words->shape[1]) {
          if (pos) break;  // DistilBERT: no token-type table
          if (add == nullptr) bad("the token-embedding Gather is not followed by the position-embedding Add");
          bad("the token embeddings are added to something other than a position-embedding table");
        }
        sum = add->output(0);
        if (token_type_ids(gather->input(1), inputs)) {
          if (!w.token_type_embeddings.data.empty()) bad("two token-type embedding Gathers");
          w.token_type_embeddings = std::move(*table);
        } else if (pos) {
          bad("the token embeddings are added to two tables whose indices are neither the token_type_ids input "
              "nor zeros (Gather '" + gather->name() + "'); only single-text token types (all 0) can be run");
        } else {
          pos = std::move(table);
        }
      }
      w.config.vocab_size = static_cast<int>(words->shape[0]);
      w.config.dim = static_cast<int>(words->shape[1]);
      w.config.max_position_embeddings = static_cast<int>(pos->shape[0]);
      if (!w.token_type_embeddings.data.empty()) {
        w.config.model_type = "bert";
        w.config.type_vocab_size = static_cast<int>(w.token_type_embeddings.shape[0]);
      }
      w.word_embeddings = std::move(*words);
      w.position_embeddings = std::move(*pos);
      Norm norm = layer_norm(sum, "embeddings");
      w.emb_norm_g = std::move(norm.g);
      w.emb_norm_b = std::move(norm.b);
      return norm.out;
    }
    std::map<std::string, int> ops;
    for (const Node& n : file_.graph().node()) ++ops[n.op_type()];
    std::string found;
    for (const auto& [op, count] : ops) found += (found.empty() ? "" : ", ") + op + " x" + std::to_string(count);
    bad("no token-embedding Gather(table, graph input) found; the graph has " + (found.empty() ? "no nodes" : found));
  }

  // Follows `name` through reshapes, transposes, scalings and casts to the first MatMul of two run-time
  // tensors; that MatMul and the input slot it arrives in.
  std::pair<const Node*, int> attention_matmul(std::string name) const {
    for (int steps = 0; steps < 16; ++steps) {
      const Node* next = index_.only_consumer(name);
      if (next == nullptr) return {nullptr, -1};
      const Node& n = *next;
      if (n.op_type() == "MatMul" && file_.constant(n.input(1)) == nullptr)
        return {&n, n.input(0) == name ? 0 : 1};
      if (n.op_type() != "Reshape" && n.op_type() != "Transpose" && n.op_type() != "Div" && n.op_type() != "Mul" &&
          n.op_type() != "Cast" && n.op_type() != "Unsqueeze" && n.op_type() != "Squeeze")
        return {nullptr, -1};
      name = n.output(0);
    }
    return {nullptr, -1};
  }

  LayerWeights encoder_layer(std::string& h, std::vector<Linear> qkv, int layer, ModelConfig& config) {
    const std::string where = "layer " + std::to_string(layer) + ": ";
    // v arrives in the context MatMul (after Softmax) as the right operand; q and k meet in the scores
    // MatMul as left and right operand.
    std::optional<Linear> q, k, v;
    const Node* context = nullptr;
    const Node* scores = nullptr;
    for (Linear& l : qkv) {
      const auto [mm, slot] = attention_matmul(l.out);
      if (mm == nullptr) bad(where + "a Linear of the hidden state does not lead into an attention MatMul");
      const Node* p = index_.producer(mm->input(0));
      const bool after_softmax = p != nullptr && (p->op_type() == "Softmax" || p->op_type() == "Dropout" ||
                                                  p->op_type() == "Cast");
      if (slot == 1 && after_softmax) v = std::move(l), context = mm;
      else if (slot == 0) q = std::move(l), scores = mm;
      else k = std::move(l);
    }
    if (!q || !k || !v) bad(where + "cannot tell q, k and v apart (expected q and k to meet in one MatMul and v "
                                    "to be weighted by the Softmax output)");
    const AttentionEvidence attention = attention_evidence(index_, q->out, k->out, v->out, *scores, config.dim,
                                                           "layer " + std::to_string(layer), out_.n_heads);
    if (layer == 0) out_.split_reshape = attention.split_reshape;
    if (out_.scale_problem.empty()) out_.scale_problem = attention.scale_problem;
    // The context goes through Transpose/Reshape into out_lin.
    std::string ctx = context->output(0);
    std::optional<Linear> out;
    for (int steps = 0; steps < 8 && !out; ++steps) {
      for (const Node* n : consumers(ctx))
        if (auto lin = linear_at(*n, ctx); lin && lin->in == config.dim && lin->out_features == config.dim) out = lin;
      if (out) break;
      const Node* next = index_.only_consumer(ctx);
      if (next == nullptr) break;
      ctx = next->output(0);
    }
    if (!out) bad(where + "no attention output projection (Linear dim -> dim) after the context MatMul");
    Norm sa = layer_norm(residual(out->out, h, "attention"), "sa_layer_norm");

    std::vector<Linear> ffn1 = linears_from(sa.out, config.dim);
    std::erase_if(ffn1, [&](const Linear& l) { return l.out_features == config.dim; });
    if (ffn1.size() != 1) bad(where + "expected one FFN Linear (dim -> hidden) after sa_layer_norm; found " +
                               consumer_ops(sa.out));
    const int hidden = ffn1[0].out_features;
    // GELU is elementwise: walk the nodes that read lin1's output until the Linear hidden -> dim.
    std::optional<Linear> ffn2;
    const size_t activations_before = out_.activation.count();
    std::vector<std::string> frontier{ffn1[0].out};
    std::set<std::string> seen;
    // The whole elementwise region is walked (not stopped at lin2), so the Erf is seen on any path order.
    while (!frontier.empty()) {
      const std::string x = frontier.back();
      frontier.pop_back();
      if (!seen.insert(x).second || seen.size() > 32) continue;
      for (const Node* n : consumers(x)) {
        if (auto lin = linear_at(*n, x); lin && lin->in == hidden && lin->out_features == config.dim) {
          if (!ffn2) ffn2 = lin;
          continue;
        }
        if (const std::optional<std::string> act = activation_of(*n, ffn1[0].out))
          out_.activation.add(*act, "the " + n->op_type() + " node '" + n->name() + "'");
        for (const std::string& o : n->output()) frontier.push_back(o);
      }
    }
    if (!ffn2) bad(where + "no FFN output Linear (hidden -> dim) after lin1");
    if (out_.activation.count() == activations_before)
      bad(where + "the FFN activation cannot be read: between lin1 and lin2 there is no Erf(x / sqrt(2)) (exact "
                  "GELU), Gelu node, Tanh (tanh-approximated GELU) or Relu");
    Norm outn = layer_norm(residual(ffn2->out, sa.out, "FFN"), "output_layer_norm");
    h = outn.out;

    LayerWeights lw;
    lw.q_w = std::move(q->w), lw.q_b = std::move(q->b);
    lw.k_w = std::move(k->w), lw.k_b = std::move(k->b);
    lw.v_w = std::move(v->w), lw.v_b = std::move(v->b);
    lw.out_w = std::move(out->w), lw.out_b = std::move(out->b);
    lw.sa_norm_g = std::move(sa.g), lw.sa_norm_b = std::move(sa.b);
    lw.ffn1_w = std::move(ffn1[0].w), lw.ffn1_b = std::move(ffn1[0].b);
    lw.ffn2_w = std::move(ffn2->w), lw.ffn2_b = std::move(ffn2->b);
    lw.out_norm_g = std::move(outn.g), lw.out_norm_b = std::move(outn.b);
    return lw;
  }

  const OnnxModelFile& file_;
  const OnnxGraphIndex index_;
  DistilBertGraph out_;
};

}  // namespace

DistilBertGraph match_distilbert(const OnnxModelFile& file) { return Matcher(file).run(); }

}  // namespace acgs
