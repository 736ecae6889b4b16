#include "model/onnx/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <system_error>
#include <unistd.h>

#include "common/error.h"
#include "common/sha256.h"
#include "model/onnx/onnx_import.h"
#include "model/tensor_slots.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

// Appends nodes and constants to one graph; every value is named by the caller, so the file reads like
// the model's module tree.
class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& graph) : graph_(graph) {}

  onnx::NodeProto& node(const std::string& op, const Strings& inputs, const std::string& output) {
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(output);
    for (const std::string& in : inputs) n.add_input(in);
    n.add_output(output);
    return n;
  }

  // A FLOAT initializer; `transpose` turns HF's [out, in] Linear weight into MatMul's [in, out].
  std::string weight(const std::string& name, const Tensor& t, bool transpose = false) {
    onnx::TensorProto& p = initializer(name, onnx::TensorProto::FLOAT);
    if (!transpose) {
      for (int64_t d : t.shape) p.add_dims(d);
      p.set_raw_data(t.data.data(), t.data.size() * sizeof(float));
      return name;
    }
    const int64_t rows = t.shape[0], cols = t.shape[1];
    std::vector<float> out(t.data.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) out[size_t(c * rows + r)] = t.data[size_t(r * cols + c)];
    p.add_dims(cols);
    p.add_dims(rows);
    p.set_raw_data(out.data(), out.size() * sizeof(float));
    return name;
  }

  std::string scalar(const std::string& name, float v) {
    initializer(name, onnx::TensorProto::FLOAT).add_float_data(v);
    return name;
  }

  // int64 constant; rank 0 when `vector` is false.
  std::string ints(const std::string& name, const std::vector<int64_t>& v, bool vector = true) {
    onnx::TensorProto& p = initializer(name, onnx::TensorProto::INT64);
    if (vector) p.add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) p.add_int64_data(x);
    return name;
  }

  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(v);
  }

  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
    onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a.add_ints(x);
  }

 private:
  onnx::TensorProto& initializer(const std::string& name, onnx::TensorProto::DataType type) {
    onnx::TensorProto& p = *graph_.add_initializer();
    p.set_name(name);
    p.set_data_type(type);
    return p;
  }

  onnx::GraphProto& graph_;
};

class DistilBertGraph {
 public:
  DistilBertGraph(const ModelWeights& w, onnx::GraphProto& graph) : w_(w), graph_(graph), g_(graph) {}

  void build() {
    declare(*graph_.add_input(), "input_ids", onnx::TensorProto::INT64);
    declare(*graph_.add_input(), "attention_mask", onnx::TensorProto::INT64);
    declare(*graph_.add_output(), "last_hidden_state", onnx::TensorProto::FLOAT, w_.config.dim);

    const ModelConfig& c = w_.config;
    g_.scalar("const.sqrt_head_dim", std::sqrt(static_cast<float>(c.head_dim())));
    g_.scalar("const.sqrt2", std::sqrt(2.0f));
    g_.scalar("const.half", 0.5f);
    g_.scalar("const.one", 1.0f);
    g_.scalar("const.two", 2.0f);
    g_.scalar("const.eps", c.layer_norm_eps);
    g_.scalar("const.lowest", std::numeric_limits<float>::lowest());
    g_.ints("const.heads_shape", {0, -1, c.n_heads, c.head_dim()});
    g_.ints("const.merged_shape", {0, -1, c.dim});

    // Padding as a [batch, 1, 1, seq] boolean, true where a key must not be attended to.
    g_.node("Equal", {"attention_mask", g_.ints("const.zero_i64", {0}, false)}, "mask.is_pad");
    g_.node("Unsqueeze", {"mask.is_pad", g_.ints("const.mask_axes", {1, 2})}, "mask.key_pad");

    h_ = embeddings();
    for (int i = 0; i < c.n_layers; ++i)
      layer(w_.layers[size_t(i)], "transformer.layer." + std::to_string(i) + ".",
            i + 1 == c.n_layers ? "last_hidden_state" : "");
  }

 private:
  // [batch_size, sequence_length], both dynamic, then [hidden] when given.
  static void declare(onnx::ValueInfoProto& v, const std::string& name, onnx::TensorProto::DataType type,
                      int64_t hidden = 0) {
    v.set_name(name);
    onnx::TypeProto::Tensor& t = *v.mutable_type()->mutable_tensor_type();
    t.set_elem_type(type);
    t.mutable_shape()->add_dim()->set_dim_param("batch_size");
    t.mutable_shape()->add_dim()->set_dim_param("sequence_length");
    if (hidden > 0) t.mutable_shape()->add_dim()->set_dim_value(hidden);
  }

  std::string embeddings() {
    g_.node("Gather", {g_.weight("embeddings.word_embeddings.weight", w_.word_embeddings), "input_ids"},
            "embeddings.words");
    g_.node("Shape", {"input_ids"}, "embeddings.ids_shape");
    g_.node("Gather", {"embeddings.ids_shape", g_.ints("const.one_i64", {1}, false)}, "embeddings.seq_len");
    g_.node("Range", {g_.ints("const.zero_i64_start", {0}, false), "embeddings.seq_len", "const.one_i64"},
            "embeddings.position_ids");
    g_.node("Gather", {g_.weight("embeddings.position_embeddings.weight", w_.position_embeddings),
                       "embeddings.position_ids"},
            "embeddings.positions");
    g_.node("Add", {"embeddings.words", "embeddings.positions"}, "embeddings.sum");
    return layer_norm("embeddings.sum", "embeddings.LayerNorm", w_.emb_norm_g, w_.emb_norm_b, "");
  }

  // y = ((x - mean) / sqrt(var + eps)) * gamma + beta over the last axis, as torch exports nn.LayerNorm
  // before opset 17.
  std::string layer_norm(const std::string& x, const std::string& p, const Tensor& gamma, const Tensor& beta,
                         const std::string& out) {
    GraphWriter::attr(g_.node("ReduceMean", {x}, p + ".mean"), "axes", std::vector<int64_t>{-1});
    g_.node("Sub", {x, p + ".mean"}, p + ".centered");
    g_.node("Pow", {p + ".centered", "const.two"}, p + ".squared");
    GraphWriter::attr(g_.node("ReduceMean", {p + ".squared"}, p + ".var"), "axes", std::vector<int64_t>{-1});
    g_.node("Add", {p + ".var", "const.eps"}, p + ".var_eps");
    g_.node("Sqrt", {p + ".var_eps"}, p + ".std");
    g_.node("Div", {p + ".centered", p + ".std"}, p + ".normalized");
    g_.node("Mul", {p + ".normalized", g_.weight(p + ".weight", gamma)}, p + ".scaled");
    g_.node("Add", {p + ".scaled", g_.weight(p + ".bias", beta)}, out.empty() ? p + ".out" : out);
    return out.empty() ? p + ".out" : out;
  }

  std::string linear(const std::string& x, const std::string& p, const Tensor& weight, const Tensor& bias) {
    g_.node("MatMul", {x, g_.weight(p + ".weight", weight, /*transpose=*/true)}, p + ".matmul");
    g_.node("Add", {p + ".matmul", g_.weight(p + ".bias", bias)}, p + ".out");
    return p + ".out";
  }

  // [batch, seq, dim] -> [batch, heads, seq, head_dim], or [batch, heads, head_dim, seq] for keys.
  std::string split_heads(const std::string& x, const std::string& p, bool keys) {
    g_.node("Reshape", {x, "const.heads_shape"}, p + ".heads");
    GraphWriter::attr(g_.node("Transpose", {p + ".heads"}, p + ".split"), "perm",
                      keys ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3});
    return p + ".split";
  }

  // One TransformerBlock reading h_; leaves its output in h_.
  void layer(const LayerWeights& l, const std::string& p, const std::string& out) {
    const std::string a = p + "attention";
    const std::string q = split_heads(linear(h_, a + ".q_lin", l.q_w, l.q_b), a + ".q", false);
    const std::string k = split_heads(linear(h_, a + ".k_lin", l.k_w, l.k_b), a + ".k", true);
    const std::string v = split_heads(linear(h_, a + ".v_lin", l.v_w, l.v_b), a + ".v", false);
    g_.node("Div", {q, "const.sqrt_head_dim"}, a + ".q_scaled");
    g_.node("MatMul", {a + ".q_scaled", k}, a + ".scores");
    g_.node("Where", {"mask.key_pad", "const.lowest", a + ".scores"}, a + ".masked_scores");
    GraphWriter::attr(g_.node("Softmax", {a + ".masked_scores"}, a + ".weights"), "axis", int64_t{-1});
    g_.node("MatMul", {a + ".weights", v}, a + ".context_heads");
    GraphWriter::attr(g_.node("Transpose", {a + ".context_heads"}, a + ".context_t"), "perm",
                      std::vector<int64_t>{0, 2, 1, 3});
    g_.node("Reshape", {a + ".context_t", "const.merged_shape"}, a + ".context");
    const std::string attn = linear(a + ".context", a + ".out_lin", l.out_w, l.out_b);
    g_.node("Add", {attn, h_}, p + "sa_residual");
    const std::string sa = layer_norm(p + "sa_residual", p + "sa_layer_norm", l.sa_norm_g, l.sa_norm_b, "");

    const std::string f = p + "ffn";
    const std::string x = linear(sa, f + ".lin1", l.ffn1_w, l.ffn1_b);
    // HF's exact gelu: x * 0.5 * (1 + erf(x / sqrt(2))).
    g_.node("Div", {x, "const.sqrt2"}, f + ".gelu.scaled");
    g_.node("Erf", {f + ".gelu.scaled"}, f + ".gelu.erf");
    g_.node("Add", {f + ".gelu.erf", "const.one"}, f + ".gelu.erf1");
    g_.node("Mul", {x, f + ".gelu.erf1"}, f + ".gelu.prod");
    g_.node("Mul", {f + ".gelu.prod", "const.half"}, f + ".gelu");
    const std::string y = linear(f + ".gelu", f + ".lin2", l.ffn2_w, l.ffn2_b);
    g_.node("Add", {y, sa}, p + "ffn_residual");
    h_ = layer_norm(p + "ffn_residual", p + "output_layer_norm", l.out_norm_g, l.out_norm_b, out);
  }

  const ModelWeights& w_;
  onnx::GraphProto& graph_;
  GraphWriter g_;
  std::string h_;  // the hidden state the next layer reads
};

// Writes `bytes` to a temporary file beside `out`, then renames it over `out`, so no reader ever sees a
// half-written model.
void write_atomically(const fs::path& out, const std::string& bytes) {
  const fs::path tmp = out.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      fail(ErrorKind::kInvalidArgument, "cannot write the ONNX model to " + out.string() +
                                            " (is the folder there and writable, is the disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    fail(ErrorKind::kInvalidArgument, "cannot move the ONNX model into place at " + out.string() + ": " + ec.message());
  }
}

// What the importer read back must be exactly what was exported.
void check_round_trip(const ModelWeights& sent, const fs::path& out) {
  const ModelWeights back = load_onnx_weights(out, "");
  const ModelConfig &a = sent.config, &b = back.config;
  if (a.vocab_size != b.vocab_size || a.dim != b.dim || a.n_layers != b.n_layers || a.n_heads != b.n_heads ||
      a.hidden_dim != b.hidden_dim || a.max_position_embeddings != b.max_position_embeddings)
    fail(ErrorKind::kInternal, out.string() + ": the exported graph reads back with other shapes than the model's");
  const auto sent_slots = tensor_slots(sent);
  const auto back_slots = tensor_slots(back);
  for (size_t i = 0; i < sent_slots.size(); ++i) {
    const Tensor &x = *sent_slots[i].tensor, &y = *back_slots[i].tensor;
    if (x.shape != y.shape || x.data.size() != y.data.size() ||
        std::memcmp(x.data.data(), y.data.data(), x.data.size() * sizeof(float)) != 0)
      fail(ErrorKind::kInternal, out.string() + ": '" + sent_slots[i].name + "' reads back differently from the export");
  }
}

}  // namespace

OnnxExportResult export_onnx(const ModelWeights& weights, const fs::path& out) {
  // The graph below is DistilBERT's; a BERT model's token-type embedding and activation have no place in it.
  if (weights.config.model_type != "distilbert")
    fail(ErrorKind::kInvalidArgument, "ONNX export writes DistilBERT graphs only; this model is \"" +
                                          weights.config.model_type +
                                          "\" (export it with torch.onnx.export from its Hugging Face directory)");
  onnx::ModelProto model;
  // IR version 8 is what onnx 1.12 (and torch exports through it) writes for opset 14.
  model.set_ir_version(8);
  model.set_producer_name("acgs-infer");
  model.set_doc_string("DistilBERT encoder exported by acgs-infer; weights sha256 " + weights.sha256);
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOnnxExportOpset);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("distilbert");
  DistilBertGraph(weights, graph).build();

  std::string bytes;
  if (!model.SerializeToString(&bytes))
    fail(ErrorKind::kInternal, "cannot serialize the ONNX model (over protobuf's 2 GiB limit?)");
  write_atomically(out, bytes);
  check_round_trip(weights, out);
  return {sha256_hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}), bytes.size()};
}

}  // namespace acgs
