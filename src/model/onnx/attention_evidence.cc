#include "model/onnx/attention_evidence.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <optional>
#include <vector>

#include "common/short_number.h"

namespace acgs {
namespace {

using Node = onnx::NodeProto;

// One entry of a Reshape's target shape, as far as the graph states it.
struct Entry {
  std::optional<int64_t> constant;
  std::optional<int64_t> dim_over;  // the entry is dim // dim_over, computed at run time
};

class Reader {
 public:
  Reader(const OnnxGraphIndex& g, int dim) : g_(g), dim_(dim) {}

  // The first Reshape on the single-consumer path from a projection output, or nullptr.
  const Node* split_reshape(std::string name) const {
    for (int steps = 0; steps < 4; ++steps) {
      const Node* next = g_.only_consumer(name);
      if (next == nullptr || next->op_type() == "Reshape") return next;
      name = next->output(0);
    }
    return nullptr;
  }

  // The last two entries of the Reshape's target shape: a constant, or a Concat whose run-time parts are
  // Unsqueezed scalars (what torch writes for view() with sizes from x.size()). Fewer when unreadable.
  std::vector<Entry> last_two_entries(const Node& reshape) const {
    std::vector<Entry> tail;  // reversed
    if (reshape.input_size() != 2) return tail;
    if (const onnx::TensorProto* t = g_.file().constant(reshape.input(1))) {
      const std::vector<int64_t> v = g_.file().ints(*t);
      for (auto it = v.rbegin(); it != v.rend() && tail.size() < 2; ++it) tail.push_back({*it, std::nullopt});
    } else if (const Node* concat = g_.produced_by(reshape.input(1), "Concat")) {
      for (int i = concat->input_size() - 1; i >= 0 && tail.size() < 2; --i) {
        if (const onnx::TensorProto* t = g_.file().constant(concat->input(i))) {
          const std::vector<int64_t> v = g_.file().ints(*t);
          for (auto it = v.rbegin(); it != v.rend() && tail.size() < 2; ++it) tail.push_back({*it, std::nullopt});
        } else if (const Node* unsq = g_.produced_by(concat->input(i), "Unsqueeze")) {
          tail.push_back({std::nullopt, dim_divisor(unsq->input(0))});
        } else {
          break;
        }
      }
    }
    return {tail.rbegin(), tail.rend()};
  }

  // c when `name` computes dim // c at run time from the hidden state's shape, else nullopt.
  std::optional<int64_t> dim_divisor(const std::string& name) const {
    const Node* div = g_.produced_by(through_casts(name), "Div");
    if (div == nullptr || div->input_size() != 2) return std::nullopt;
    const std::optional<double> c = g_.scalar(div->input(1));
    if (!c || *c < 1 || *c != std::floor(*c) || !is_dim(div->input(0))) return std::nullopt;
    return static_cast<int64_t>(*c);
  }

  // Gather(Shape(x), 2 or -1) of a [batch, sequence, dim] tensor, or the constant dim itself.
  bool is_dim(const std::string& name) const {
    const std::string v = through_casts(name);
    if (const std::optional<double> c = g_.scalar(v)) return *c == dim_;
    return shape_entry(v, {2, -1});
  }

  // `name` is entry i of Shape(x), i one of `indices`: Gather(Shape(x), i) (what `a, b, c = x.size()`
  // exports) or Slice(Shape(x), [i], ...) (what x.size(-1) exports, before its Squeeze).
  bool shape_entry(const std::string& name, std::initializer_list<int> indices) const {
    const Node* n = g_.producer(name);
    if (n == nullptr || (n->op_type() != "Gather" && n->op_type() != "Slice") || n->input_size() < 2 ||
        g_.produced_by(n->input(0), "Shape") == nullptr)
      return false;
    const std::optional<double> i = g_.scalar(n->input(1));
    for (int want : indices)
      if (i && *i == want) return true;
    return false;
  }

  std::string through_casts(std::string name) const {
    for (const Node* n = g_.producer(name); n != nullptr && n->input_size() >= 1; n = g_.producer(name)) {
      const std::string& op = n->op_type();
      if (op != "Cast" && op != "Floor" && op != "Squeeze" && op != "Unsqueeze") break;
      name = n->input(0);
    }
    return name;
  }

  // The scalar factor a Div or Mul node applies to `x`, or nullopt when its other operand is not a scalar
  // constant.
  std::optional<double> factor(const Node& n, const std::string& x) const {
    if (n.input_size() != 2) return std::nullopt;
    if (n.op_type() == "Div" && n.input(0) == x) {
      const std::optional<double> c = g_.scalar(n.input(1));
      return c && *c != 0 ? std::optional<double>(1 / *c) : std::nullopt;
    }
    if (n.op_type() == "Mul") return g_.scalar(n.input(0) == x ? n.input(1) : n.input(0));
    return std::nullopt;
  }

  // Div(x, Sqrt(head_dim at run time)): the standard scale, written without a constant.
  bool divides_by_runtime_sqrt_head_dim(const Node& n, const std::string& x) const {
    if (n.op_type() != "Div" || n.input_size() != 2 || n.input(0) != x) return false;
    const Node* sqrt = g_.produced_by(n.input(1), "Sqrt");
    if (sqrt == nullptr) return false;
    std::string v = through_casts(sqrt->input(0));
    // torch writes float(size) as Mul(1.0, Cast(size)).
    if (const Node* mul = g_.produced_by(v, "Mul"); mul != nullptr && mul->input_size() == 2) {
      const bool one_first = g_.scalar(mul->input(0)) == 1.0, one_second = g_.scalar(mul->input(1)) == 1.0;
      if (one_first || one_second) v = through_casts(mul->input(one_first ? 1 : 0));
    }
    return shape_entry(v, {3, -1});
  }

  struct Scale {
    double product = 1;
    int constant_factors = 0;
    bool runtime_sqrt = false;
  };

  // Scalar factors from a projection output up to the scores MatMul (q or k side), or from the scores to
  // the Softmax.
  void collect_scale(std::string name, const Node* stop_at, Scale& scale) const {
    for (int steps = 0; steps < 12; ++steps) {
      const Node* next = g_.only_consumer(name);
      if (next == nullptr || next == stop_at || next->op_type() == "Softmax") return;
      const Node& n = *next;
      if (n.op_type() == "MatMul" && stop_at != nullptr) return;
      if (const std::optional<double> f = factor(n, name)) {
        scale.product *= *f;
        ++scale.constant_factors;
      } else if (divides_by_runtime_sqrt_head_dim(n, name)) {
        scale.runtime_sqrt = true;
      }
      name = n.output(0);
    }
  }

  void add_reshape_evidence(const Node& reshape, ProvenValue<int>& heads) const {
    const std::vector<Entry> e = last_two_entries(reshape);
    if (e.size() != 2) return;
    const std::string in = " of Reshape '" + reshape.name() + "'";
    const Entry &h = e[0], &d = e[1];
    if (h.constant && *h.constant > 0) heads.add(static_cast<int>(*h.constant), "its n_heads entry" + in);
    if (d.constant && *d.constant > 0 && dim_ % *d.constant == 0)
      heads.add(static_cast<int>(dim_ / *d.constant),
                "dim " + std::to_string(dim_) + " / its head_dim entry " + std::to_string(*d.constant) + in);
    if (h.dim_over && dim_ % *h.dim_over == 0)
      heads.add(static_cast<int>(dim_ / *h.dim_over),
                "its n_heads entry dim // " + std::to_string(*h.dim_over) + in);
    if (d.dim_over) heads.add(static_cast<int>(*d.dim_over), "the divisor of its head_dim entry dim // n" + in);
  }

  const OnnxGraphIndex& g_;
  const int dim_;
};

}  // namespace

AttentionEvidence attention_evidence(const OnnxGraphIndex& graph, const std::string& q_out, const std::string& k_out,
                                     const std::string& v_out, const onnx::NodeProto& scores, int dim,
                                     const std::string& layer, ProvenValue<int>& heads) {
  const Reader reader(graph, dim);
  AttentionEvidence out;
  for (const std::string* proj : {&q_out, &k_out, &v_out}) {
    const Node* reshape = reader.split_reshape(*proj);
    if (reshape == nullptr) continue;
    if (proj == &q_out) out.split_reshape = reshape->name();
    reader.add_reshape_evidence(*reshape, heads);
  }
  Reader::Scale scale;
  reader.collect_scale(q_out, &scores, scale);
  reader.collect_scale(k_out, &scores, scale);
  reader.collect_scale(scores.output(0), nullptr, scale);
  if (scale.constant_factors == 0) {
    if (!scale.runtime_sqrt)
      out.scale_problem = layer + ": the attention scores are not scaled by a constant or by 1/sqrt of the "
                                  "run-time head size";
    return out;
  }
  const double head_dim = 1 / (scale.product * scale.product);
  const double rounded = std::round(head_dim);
  if (scale.runtime_sqrt || rounded < 1 || std::fabs(head_dim - rounded) > 1e-3 * rounded ||
      dim % static_cast<int64_t>(rounded) != 0) {
    out.scale_problem = layer + ": the attention scores are scaled by " + short_number(scale.product, 6) +
                        (scale.runtime_sqrt ? " and by 1/sqrt of the run-time head size" : "") +
                        ", not by 1/sqrt(head_dim) for a head_dim dividing dim " + std::to_string(dim);
    return out;
  }
  heads.add(dim / static_cast<int>(rounded), "the scale " + short_number(scale.product, 6) + " = 1/sqrt(" +
                                                 short_number(rounded) + ") of the " + layer + " attention scores");
  return out;
}

}  // namespace acgs
