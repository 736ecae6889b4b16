#include "model/onnx/onnx_graph_index.h"

#include <onnx/onnx_pb.h>

namespace acgs {

OnnxGraphIndex::OnnxGraphIndex(const OnnxModelFile& file) : file_(file) {
  for (const Node& n : file.graph().node()) {
    for (const std::string& in : n.input()) consumers_[in].push_back(&n);
    for (const std::string& out : n.output()) producer_[out] = &n;
  }
}

const std::vector<const OnnxGraphIndex::Node*>& OnnxGraphIndex::consumers(const std::string& name) const {
  static const std::vector<const Node*> none;
  const auto it = consumers_.find(name);
  return it == consumers_.end() ? none : it->second;
}

const OnnxGraphIndex::Node* OnnxGraphIndex::only_consumer(const std::string& name) const {
  const Node* found = nullptr;
  for (const Node* n : consumers(name)) {
    if (n->op_type() == "Shape") continue;
    if (found != nullptr) return nullptr;
    found = n;
  }
  return found;
}

const OnnxGraphIndex::Node* OnnxGraphIndex::producer(const std::string& name) const {
  if (file_.constant(name) != nullptr) return nullptr;
  const auto it = producer_.find(name);
  return it == producer_.end() ? nullptr : it->second;
}

const OnnxGraphIndex::Node* OnnxGraphIndex::produced_by(const std::string& name, const std::string& op) const {
  const Node* n = producer(name);
  return n != nullptr && n->op_type() == op ? n : nullptr;
}

std::optional<double> OnnxGraphIndex::scalar(const std::string& name) const {
  const onnx::TensorProto* t = file_.constant(name);
  if (t == nullptr) return std::nullopt;
  const auto type = t->data_type();
  if (type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32) {
    const std::vector<int64_t> v = file_.ints(*t);
    return v.size() == 1 ? std::optional<double>(static_cast<double>(v[0])) : std::nullopt;
  }
  if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::FLOAT16 &&
      type != onnx::TensorProto::BFLOAT16 && type != onnx::TensorProto::DOUBLE)
    return std::nullopt;
  const Tensor v = file_.floats(*t);
  return v.data.size() == 1 ? std::optional<double>(v.data[0]) : std::nullopt;
}

}  // namespace acgs
