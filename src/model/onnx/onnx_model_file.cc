#include "model/onnx/onnx_model_file.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <limits>

#include "common/error.h"
#include "common/sha256.h"
#include "model/float16.h"
#include "model/mapped_file.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxElements = int64_t{1} << 34;

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  fail(ErrorKind::kInvalidModel, where + ": " + what);
}

int64_t numel_of(const onnx::TensorProto& t, const std::string& where) {
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d != 0 && n > kMaxElements / d))
      bad(where, "tensor '" + t.name() + "' has an invalid or too large shape");
    n *= d;
  }
  return n;
}

std::vector<int64_t> dims_of(const onnx::TensorProto& t) { return {t.dims().begin(), t.dims().end()}; }

}  // namespace

OnnxModelFile::OnnxModelFile(const fs::path& path) : path_(path), where_(path.string()) {
  const MappedFile file(path);
  const auto bytes = file.bytes();
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    bad(where_, "file is larger than 2 GiB; store the weights as external data (onnx.save(..., "
                "save_as_external_data=True))");
  model_ = std::make_unique<onnx::ModelProto>();
  if (!model_->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    bad(where_, "not a readable ONNX model (protobuf parse failed); re-export it with torch.onnx.export");
  if (!model_->has_graph()) bad(where_, "ONNX model has no graph");
  for (const auto& t : model_->graph().initializer()) constants_[t.name()] = &t;
  for (const auto& node : model_->graph().node()) {
    if (node.op_type() == "Constant" && node.output_size() == 1) {
      for (const auto& attr : node.attribute())
        if (attr.name() == "value" && attr.has_t()) constants_[node.output(0)] = &attr.t();
    }
    // Identity of a constant: torch.onnx.export's way of sharing one weight under two names.
    if (node.op_type() == "Identity" && node.input_size() == 1 && node.output_size() == 1) {
      const auto it = constants_.find(node.input(0));
      if (it != constants_.end()) constants_[node.output(0)] = it->second;
    }
  }
}

OnnxModelFile::~OnnxModelFile() = default;

const onnx::GraphProto& OnnxModelFile::graph() const { return model_->graph(); }

const onnx::TensorProto* OnnxModelFile::constant(const std::string& name) const {
  const auto it = constants_.find(name);
  return it == constants_.end() ? nullptr : it->second;
}

const MappedFile& OnnxModelFile::external_file(const std::string& location, const std::string& tensor) const {
  const fs::path rel(location);
  const fs::path norm = rel.lexically_normal();
  if (location.empty() || rel.is_absolute() || norm.empty() || *norm.begin() == "..")
    bad(where_, "tensor '" + tensor + "' names external data '" + location +
                    "' outside the model's folder; external data must be a relative path beside the model");
  auto& slot = external_[norm.string()];
  if (!slot) {
    const fs::path file = path_.parent_path() / norm;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec))
      bad(where_, "tensor '" + tensor + "' is stored in " + file.string() +
                      ", which does not exist; copy the external-data file next to the model");
    slot = std::make_unique<MappedFile>(file);
  }
  return *slot;
}

std::vector<uint8_t> OnnxModelFile::bytes_of(const onnx::TensorProto& t, size_t element_size) const {
  const uint64_t expected = static_cast<uint64_t>(numel_of(t, where_)) * element_size;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    uint64_t offset = 0, length = expected;
    bool has_length = false;
    for (const auto& kv : t.external_data()) {
      try {
        if (kv.key() == "location") location = kv.value();
        if (kv.key() == "offset") offset = std::stoull(kv.value());
        if (kv.key() == "length") length = std::stoull(kv.value()), has_length = true;
      } catch (const std::exception&) {
        bad(where_, "tensor '" + t.name() + "' has a malformed external-data " + kv.key() + " '" + kv.value() + "'");
      }
    }
    const auto data = external_file(location, t.name()).bytes();
    if (has_length && length != expected)
      bad(where_, "tensor '" + t.name() + "' external data length " + std::to_string(length) + " does not match its " +
                      std::to_string(expected) + "-byte shape");
    if (offset > data.size() || expected > data.size() - offset)
      bad(where_, "tensor '" + t.name() + "' lies outside its external-data file " + location + " (offset " +
                      std::to_string(offset) + ", " + std::to_string(expected) + " bytes, file " +
                      std::to_string(data.size()) + " bytes); the file is truncated or belongs to another model");
    return {data.begin() + static_cast<std::ptrdiff_t>(offset),
            data.begin() + static_cast<std::ptrdiff_t>(offset + expected)};
  }
  if (!t.has_raw_data()) return {};
  if (t.raw_data().size() != expected)
    bad(where_, "tensor '" + t.name() + "' holds " + std::to_string(t.raw_data().size()) + " bytes, its shape needs " +
                    std::to_string(expected));
  return {t.raw_data().begin(), t.raw_data().end()};
}

Tensor OnnxModelFile::floats(const onnx::TensorProto& t) const {
  Tensor out;
  out.shape = dims_of(t);
  const size_t n = static_cast<size_t>(numel_of(t, where_));
  out.data.resize(n);
  auto typed = [&](int field_size, auto&& from_field, size_t element_size, auto&& from_bytes) {
    const std::vector<uint8_t> bytes = bytes_of(t, element_size);
    if (!bytes.empty() || n == 0) {
      for (size_t i = 0; i < n; ++i) out.data[i] = from_bytes(bytes.data() + i * element_size);
      return;
    }
    if (static_cast<size_t>(field_size) != n)
      bad(where_, "tensor '" + t.name() + "' holds " + std::to_string(field_size) + " values, its shape needs " +
                      std::to_string(n));
    for (size_t i = 0; i < n; ++i) out.data[i] = from_field(static_cast<int>(i));
  };
  auto load16 = [](const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      typed(t.float_data_size(), [&](int i) { return t.float_data(i); }, 4, [](const uint8_t* p) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
      });
      break;
    case onnx::TensorProto::DOUBLE:
      typed(t.double_data_size(), [&](int i) { return static_cast<float>(t.double_data(i)); }, 8, [](const uint8_t* p) {
        double v;
        std::memcpy(&v, p, 8);
        return static_cast<float>(v);
      });
      break;
    case onnx::TensorProto::FLOAT16:
      typed(t.int32_data_size(), [&](int i) { return f16_to_f32(static_cast<uint16_t>(t.int32_data(i))); }, 2,
            [&](const uint8_t* p) { return f16_to_f32(load16(p)); });
      break;
    case onnx::TensorProto::BFLOAT16:
      typed(t.int32_data_size(), [&](int i) { return bf16_to_f32(static_cast<uint16_t>(t.int32_data(i))); }, 2,
            [&](const uint8_t* p) { return bf16_to_f32(load16(p)); });
      break;
    default:
      bad(where_, "tensor '" + t.name() + "' has ONNX data type " + std::to_string(t.data_type()) +
                      ", not a floating-point type");
  }
  return out;
}

std::vector<int64_t> OnnxModelFile::ints(const onnx::TensorProto& t) const {
  const size_t n = static_cast<size_t>(numel_of(t, where_));
  std::vector<int64_t> out(n);
  const bool is64 = t.data_type() == onnx::TensorProto::INT64;
  if (!is64 && t.data_type() != onnx::TensorProto::INT32)
    bad(where_, "tensor '" + t.name() + "' has ONNX data type " + std::to_string(t.data_type()) +
                    ", not an integer type");
  const std::vector<uint8_t> bytes = bytes_of(t, is64 ? 8 : 4);
  const int field = is64 ? t.int64_data_size() : t.int32_data_size();
  if (bytes.empty() && static_cast<size_t>(field) != n)
    bad(where_, "tensor '" + t.name() + "' holds " + std::to_string(field) + " values, its shape needs " +
                    std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (!bytes.empty()) {
      int64_t v64 = 0;
      int32_t v32 = 0;
      if (is64) std::memcpy(&v64, bytes.data() + i * 8, 8); else std::memcpy(&v32, bytes.data() + i * 4, 4);
      out[i] = is64 ? v64 : v32;
    } else {
      out[i] = is64 ? t.int64_data(static_cast<int>(i)) : t.int32_data(static_cast<int>(i));
    }
  }
  return out;
}

std::string OnnxModelFile::sha256() const {
  Sha256 h;
  h.update(MappedFile(path_).bytes());
  for (const auto& t : model_->graph().initializer())
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
      for (const auto& kv : t.external_data())
        if (kv.key() == "location") external_file(kv.value(), t.name());
  for (const auto& [name, file] : external_) h.update(file->bytes());
  return h.finish_hex();
}

}  // namespace acgs
