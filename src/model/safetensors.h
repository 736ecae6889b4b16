#pragma once
// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"},
// then the raw little-endian tensor bytes, offsets relative to the end of the header.
//
// Parsing works on an in-memory byte span (so the fuzzer can drive it) and trusts nothing: the header
// length, the JSON, every dtype, shape and offset pair is checked before any tensor byte is touched.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/mapped_file.h"

namespace acgs {

enum class DType { kBool, kU8, kI8, kF8E5M2, kF8E4M3, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64 };

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;

  int64_t numel() const;
};

// A validated view over safetensors bytes; does not own them (the bytes must outlive the view).
class SafetensorsView {
 public:
  // `source` names the bytes in error messages (usually the file path). Throws Error(kInvalidModel)
  // naming the source and, where it applies, the tensor.
  SafetensorsView(std::span<const uint8_t> bytes, std::string source);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;  // nullptr if absent
  std::span<const uint8_t> raw(const TensorInfo& info) const;
  // F32/F16/BF16 converted to fp32; any other dtype throws Error(kInvalidModel) naming the tensor.
  std::vector<float> to_f32(const TensorInfo& info) const;
  const std::string& source() const { return source_; }

 private:
  std::span<const uint8_t> data_;  // the data section
  std::string source_;
  std::vector<TensorInfo> tensors_;  // in file offset order
};

// A safetensors file mapped into memory and validated.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  const SafetensorsView& view() const { return view_; }
  std::span<const uint8_t> file_bytes() const { return file_->bytes(); }

 private:
  std::unique_ptr<MappedFile> file_;
  SafetensorsView view_;
};

// Writing (synth, tests). Data is always given as fp32 and stored as `dtype` (F32, F16 or BF16).
struct TensorToWrite {
  std::string name;
  std::vector<int64_t> shape;
  std::span<const float> data;
  DType dtype = DType::kF32;
};

// The complete file image. The header is space-padded to a multiple of 8 bytes as the reference writer
// does, so every tensor stays 8-byte aligned when the data is.
std::vector<uint8_t> serialize_safetensors(const std::vector<TensorToWrite>& tensors);
// Writes to a temporary file next to `path` and renames it into place, so a reader never maps a
// half-written file.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors);

}  // namespace acgs
