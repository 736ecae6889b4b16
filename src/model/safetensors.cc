#include "model/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/float16.h"

namespace acgs {
namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; a real one is a few tens of KB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr int kMaxRank = 8;

struct DTypeEntry {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr std::array<DTypeEntry, 15> kDTypes = {{
    {DType::kBool, "BOOL", 1},
    {DType::kU8, "U8", 1},
    {DType::kI8, "I8", 1},
    {DType::kF8E5M2, "F8_E5M2", 1},
    {DType::kF8E4M3, "F8_E4M3", 1},
    {DType::kI16, "I16", 2},
    {DType::kU16, "U16", 2},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kI32, "I32", 4},
    {DType::kU32, "U32", 4},
    {DType::kF32, "F32", 4},
    {DType::kF64, "F64", 8},
    {DType::kI64, "I64", 8},
    {DType::kU64, "U64", 8},
}};

const DTypeEntry& entry(DType dtype) {
  return *std::find_if(kDTypes.begin(), kDTypes.end(), [&](const DTypeEntry& e) { return e.dtype == dtype; });
}

const char* const kRegenerate =
    "; the file is corrupt or not safetensors: re-save it with save_pretrained(safe_serialization=True) or "
    "make a fresh model with `acgs-infer synth`";

[[noreturn]] void bad_file(const std::string& source, const std::string& what) {
  fail(ErrorKind::kInvalidModel, source + ": " + what + kRegenerate);
}

[[noreturn]] void bad_tensor(const std::string& source, const std::string& name, const std::string& what) {
  bad_file(source, "tensor '" + name + "': " + what);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

TensorInfo parse_entry(const std::string& source, const std::string& name, const json& value) {
  if (!value.is_object()) bad_tensor(source, name, "header entry is not a JSON object");
  TensorInfo info;
  info.name = name;

  const auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string()) bad_tensor(source, name, "missing string field 'dtype'");
  const auto& dtype_str = dtype_it->get_ref<const std::string&>();
  const auto known =
      std::find_if(kDTypes.begin(), kDTypes.end(), [&](const DTypeEntry& e) { return dtype_str == e.name; });
  if (known == kDTypes.end()) bad_tensor(source, name, "unknown dtype '" + dtype_str + "'");
  info.dtype = known->dtype;

  const auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array()) bad_tensor(source, name, "missing array field 'shape'");
  if (shape_it->size() > kMaxRank)
    bad_tensor(source, name,
               "rank " + std::to_string(shape_it->size()) + " is above the supported " + std::to_string(kMaxRank));
  uint64_t numel = 1;
  for (const json& dim : *shape_it) {
    if (!dim.is_number_unsigned()) bad_tensor(source, name, "shape entries must be non-negative integers");
    const uint64_t d = dim.get<uint64_t>();
    if (d > uint64_t{INT64_MAX} || __builtin_mul_overflow(numel, d, &numel))
      bad_tensor(source, name, "shape " + shape_it->dump() + " overflows 64-bit element counts");
    info.shape.push_back(static_cast<int64_t>(d));
  }

  const auto off_it = value.find("data_offsets");
  if (off_it == value.end() || !off_it->is_array() || off_it->size() != 2 || !(*off_it)[0].is_number_unsigned() ||
      !(*off_it)[1].is_number_unsigned())
    bad_tensor(source, name, "'data_offsets' must be [begin, end] with non-negative integers");
  info.begin = (*off_it)[0].get<uint64_t>();
  info.end = (*off_it)[1].get<uint64_t>();
  if (info.end < info.begin)
    bad_tensor(source, name,
               "data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) + "] end before begin");
  uint64_t bytes = 0;
  const bool overflow = __builtin_mul_overflow(numel, uint64_t{known->size}, &bytes);
  if (overflow || bytes != info.end - info.begin)
    bad_tensor(source, name,
               "shape " + shape_string(info.shape) + " of " + known->name + " needs " +
                   (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                   " bytes but data_offsets span " + std::to_string(info.end - info.begin));
  return info;
}

std::string build_header(const std::vector<TensorToWrite>& tensors, std::vector<uint64_t>& sizes) {
  json header = json::object();
  uint64_t offset = 0;
  sizes.clear();
  for (const auto& t : tensors) {
    if (t.dtype != DType::kF32 && t.dtype != DType::kF16 && t.dtype != DType::kBF16)
      fail(ErrorKind::kInvalidArgument, std::string("cannot write tensor '") + t.name + "' as " + dtype_name(t.dtype) +
                                            ": only F32, F16 and BF16 are supported");
    int64_t numel = 1;
    for (int64_t d : t.shape) numel *= d;
    if (numel != static_cast<int64_t>(t.data.size()))
      fail(ErrorKind::kInternal, "tensor '" + t.name + "' has shape " + shape_string(t.shape) + " but " +
                                     std::to_string(t.data.size()) + " values");
    const uint64_t size = static_cast<uint64_t>(numel) * dtype_size(t.dtype);
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + size}}};
    sizes.push_back(size);
    offset += size;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// Encodes `values` as `dtype` into `out` (which has exactly the right size).
void encode(std::span<const float> values, DType dtype, uint8_t* out) {
  if (dtype == DType::kF32) {
    std::memcpy(out, values.data(), values.size_bytes());
    return;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const uint16_t h = dtype == DType::kF16 ? f32_to_f16(values[i]) : f32_to_bf16(values[i]);
    std::memcpy(out + 2 * i, &h, 2);
  }
}

void put_u64_le(uint64_t v, uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

const char* dtype_name(DType dtype) { return entry(dtype).name; }
size_t dtype_size(DType dtype) { return entry(dtype).size; }

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsView::SafetensorsView(std::span<const uint8_t> bytes, std::string source) : source_(std::move(source)) {
  if (bytes.size() < 8)
    bad_file(source_, "truncated: " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes)
    bad_file(source_, "header length " + std::to_string(header_len) + " is above the 100 MB limit");
  if (header_len > bytes.size() - 8)
    bad_file(source_, "truncated: header length " + std::to_string(header_len) + " but only " +
                          std::to_string(bytes.size() - 8) + " bytes follow");
  const auto header_bytes = bytes.subspan(8, header_len);
  data_ = bytes.subspan(8 + header_len);

  const json header = json::parse(header_bytes.begin(), header_bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) bad_file(source_, "header is not valid JSON");
  if (!header.is_object()) bad_file(source_, "header is not a JSON object");
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;  // free-form string map (format, framework); nothing we need
    tensors_.push_back(parse_entry(source_, name, value));
  }
  std::sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TensorInfo& t = tensors_[i];
    if (t.end > data_.size())
      bad_tensor(source_, t.name,
                 "data_offsets end " + std::to_string(t.end) + " is past the data section (" +
                     std::to_string(data_.size()) + " bytes): file truncated or header wrong");
    if (i > 0 && t.begin < tensors_[i - 1].end)
      bad_tensor(source_, t.name,
                 "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ") overlap tensor '" +
                     tensors_[i - 1].name + "'");
  }
}

const TensorInfo* SafetensorsView::find(const std::string& name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

std::span<const uint8_t> SafetensorsView::raw(const TensorInfo& info) const {
  return data_.subspan(info.begin, info.end - info.begin);
}

std::vector<float> SafetensorsView::to_f32(const TensorInfo& info) const {
  const auto bytes = raw(info);
  const size_t n = static_cast<size_t>(info.numel());
  std::vector<float> out(n);
  switch (info.dtype) {
    case DType::kF32:
      std::memcpy(out.data(), bytes.data(), n * 4);
      break;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * i, 2);
        out[i] = info.dtype == DType::kF16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      break;
    default:
      bad_tensor(
          source_, info.name,
          std::string("dtype ") + dtype_name(info.dtype) + " is not a float type; weights must be F32, F16 or BF16");
  }
  return out;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_unique<MappedFile>(path)), view_(file_->bytes(), path.string()) {}

std::vector<uint8_t> serialize_safetensors(const std::vector<TensorToWrite>& tensors) {
  std::vector<uint64_t> sizes;
  const std::string header = build_header(tensors, sizes);
  uint64_t total = 8 + header.size();
  for (uint64_t s : sizes) total += s;
  std::vector<uint8_t> out(total);
  put_u64_le(header.size(), out.data());
  std::memcpy(out.data() + 8, header.data(), header.size());
  uint8_t* p = out.data() + 8 + header.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    encode(tensors[i].data, tensors[i].dtype, p);
    p += sizes[i];
  }
  return out;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors) {
  std::vector<uint64_t> sizes;
  const std::string header = build_header(tensors, sizes);
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      fail(ErrorKind::kInvalidArgument,
           "cannot write " + tmp.string() + ": check the directory exists and is writable");
    uint8_t len[8];
    put_u64_le(header.size(), len);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    std::vector<uint8_t> buffer;
    for (size_t i = 0; i < tensors.size(); ++i) {
      buffer.resize(sizes[i]);
      encode(tensors[i].data, tensors[i].dtype, buffer.data());
      out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    }
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp);
      fail(ErrorKind::kInvalidArgument, "failed writing " + tmp.string() + " (disk full?)");
    }
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace acgs
