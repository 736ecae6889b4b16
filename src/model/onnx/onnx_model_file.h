#pragma once
// One parsed .onnx file: the graph, its constants (initializers and Constant nodes, with Identity
// aliases resolved) and their data, wherever it is stored (raw_data, typed fields, or an external-data
// file beside the model, bounds-checked).
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/weights.h"

namespace onnx {
class ModelProto;
class GraphProto;
class TensorProto;
}  // namespace onnx

namespace acgs {

class MappedFile;

class OnnxModelFile {
 public:
  // Throws Error(kInvalidModel) naming the file for an unreadable or malformed protobuf.
  explicit OnnxModelFile(const std::filesystem::path& path);
  ~OnnxModelFile();

  const onnx::GraphProto& graph() const;
  const std::string& where() const { return where_; }

  // The constant tensor behind `name` (an initializer, a Constant node's value, or an Identity of
  // either), or nullptr when `name` is computed at run time.
  const onnx::TensorProto* constant(const std::string& name) const;
  // Its values as fp32 (FLOAT, FLOAT16, BFLOAT16, DOUBLE) / int64 (INT64, INT32); Error(kInvalidModel)
  // naming the tensor for another type, a size that does not match the dims, or external data outside
  // its file.
  Tensor floats(const onnx::TensorProto& tensor) const;
  std::vector<int64_t> ints(const onnx::TensorProto& tensor) const;

  // SHA-256 over the .onnx file, then every external-data file it uses (sorted by name).
  std::string sha256() const;

 private:
  std::vector<uint8_t> bytes_of(const onnx::TensorProto& tensor, size_t element_size) const;
  const MappedFile& external_file(const std::string& location, const std::string& tensor) const;

  std::filesystem::path path_;
  std::string where_;
  std::unique_ptr<onnx::ModelProto> model_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  mutable std::map<std::string, std::unique_ptr<MappedFile>> external_;
};

}  // namespace acgs
