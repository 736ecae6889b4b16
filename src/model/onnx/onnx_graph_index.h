#pragma once
// Who produces and who reads each value of an ONNX graph, and its small constants: what a structural
// matcher (distilbert_graph.cc) and the evidence readers (attention_evidence.cc) walk the graph with.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/onnx/onnx_model_file.h"

namespace onnx {
class NodeProto;
}  // namespace onnx

namespace acgs {

class OnnxGraphIndex {
 public:
  using Node = onnx::NodeProto;

  explicit OnnxGraphIndex(const OnnxModelFile& file);

  const OnnxModelFile& file() const { return file_; }
  const std::vector<const Node*>& consumers(const std::string& name) const;
  // The one node reading `name`, not counting Shape nodes (they read only its size, as x.size() in a
  // view() exports); nullptr when there are none or several.
  const Node* only_consumer(const std::string& name) const;
  // The node computing `name`; nullptr for graph inputs and constants.
  const Node* producer(const std::string& name) const;
  // producer(name) when it is an `op` node, else nullptr.
  const Node* produced_by(const std::string& name, const std::string& op) const;
  // The value of a one-element numeric constant (float or integer types), else nullopt.
  std::optional<double> scalar(const std::string& name) const;

 private:
  const OnnxModelFile& file_;
  std::map<std::string, std::vector<const Node*>> consumers_;
  std::map<std::string, const Node*> producer_;
};

}  // namespace acgs
