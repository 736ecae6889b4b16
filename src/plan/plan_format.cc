#include "plan/plan_format.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <system_error>
#include <unistd.h>

#include "common/error.h"

namespace acgs::plan {
namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr size_t kMaxString = 4096;
constexpr uint32_t kMaxEntries = 1u << 20;
constexpr uint32_t kMaxDims = 8;
constexpr size_t kStreamChunk = 4u << 20;

// FNV-1a over 64-bit little-endian words; the xorshift after each multiply carries high bits downwards
// (a bare multiply only propagates changes upwards, so flips in the top bit of two words would cancel).
class Hasher {
 public:
  explicit Hasher(uint64_t seed) : h_(seed) {}
  void update(std::span<const uint8_t> bytes) {
    size_t i = 0;
    while (i < bytes.size() && pending_n_ != 0) push_byte(bytes[i++]);
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, bytes.data() + i, 8);
      mix(w);
    }
    while (i < bytes.size()) push_byte(bytes[i++]);
    total_ += bytes.size();
  }
  uint64_t finish() {
    if (pending_n_ != 0) mix(pending_);
    mix(total_);
    return h_;
  }

 private:
  void mix(uint64_t w) {
    h_ = (h_ ^ w) * kFnvPrime;
    h_ ^= h_ >> 29;
  }
  void push_byte(uint8_t b) {
    pending_ |= static_cast<uint64_t>(b) << (8 * pending_n_);
    if (++pending_n_ == 8) {
      mix(pending_);
      pending_ = 0;
      pending_n_ = 0;
    }
  }
  uint64_t h_;
  uint64_t pending_ = 0;
  unsigned pending_n_ = 0;
  uint64_t total_ = 0;
};

uint64_t align_up(uint64_t x) { return (x + kPlanAlignment - 1) / kPlanAlignment * kPlanAlignment; }

[[noreturn]] void bad_plan(const std::string& where, const std::string& what) {
  fail(ErrorKind::kInvalidModel, "engine plan " + where + ": " + what +
                                     "; rebuild it with `acgs-infer optimize --model DIR --out FILE.plan`");
}

class Encoder {
 public:
  void u32(uint32_t v) { raw(&v, 4); }
  void i32(int32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void str(const std::string& s) {
    if (s.size() > kMaxString) fail(ErrorKind::kInvalidArgument, "plan string field longer than 4096 bytes");
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  std::vector<uint8_t>& bytes() { return out_; }

 private:
  // The format is little-endian; every platform we build for (x86-64, aarch64) is too.
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<uint8_t> out_;
};

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const std::string& where) : bytes_(bytes), where_(where) {}
  uint32_t u32() { return pod<uint32_t>(); }
  int32_t i32() { return pod<int32_t>(); }
  uint64_t u64() { return pod<uint64_t>(); }
  int64_t i64() { return pod<int64_t>(); }
  float f32() { return pod<float>(); }
  std::string str(const char* field) {
    const uint32_t n = u32();
    if (n > kMaxString) bad_plan(where_, std::string("field ") + field + " is " + std::to_string(n) + " bytes long");
    need(n, field);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  uint32_t count(const char* what) {
    const uint32_t n = u32();
    if (n > kMaxEntries) bad_plan(where_, std::string("implausible ") + what + " count " + std::to_string(n));
    return n;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  template <typename T>
  T pod() {
    need(sizeof(T), "number");
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void need(size_t n, const char* field) {
    if (bytes_.size() - pos_ < n) bad_plan(where_, std::string("header section ends inside ") + field);
  }
  std::span<const uint8_t> bytes_;
  const std::string& where_;
  size_t pos_ = 0;
};

std::vector<uint8_t> encode_header_section(const PlanHeader& h) {
  Encoder e;
  e.str(h.model_sha256);
  e.str(h.precision);
  e.i32(h.max_batch);
  e.i32(h.max_seq);
  e.str(h.gpu_name);
  e.i32(h.cc_major);
  e.i32(h.cc_minor);
  e.str(h.cuda_runtime_version);
  e.str(h.cublaslt_version);
  e.str(h.driver_version);
  e.i64(h.created_unix);
  e.u32(static_cast<uint32_t>(h.algos.size()));
  for (const auto& a : h.algos) {
    e.str(a.gemm);
    e.i32(a.m);
    e.i32(a.n);
    e.i32(a.k);
    e.u32(a.epilogue);
    for (uint64_t w : a.algo) e.u64(w);
    e.u64(a.workspace_bytes);
    e.f32(a.time_us);
  }
  e.u32(static_cast<uint32_t>(h.blobs.size()));
  for (const auto& b : h.blobs) {
    e.str(b.name);
    e.str(b.dtype);
    e.u32(static_cast<uint32_t>(b.shape.size()));
    for (int64_t d : b.shape) e.i64(d);
    e.u64(b.offset);
    e.u64(b.length);
  }
  return std::move(e.bytes());
}

// Element count of a shape, or nullopt-like -1 when a dimension is negative or the product overflows.
int64_t checked_numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d != 0 && n > std::numeric_limits<int64_t>::max() / d)) return -1;
    n *= d;
  }
  return n;
}

void validate_blobs(const PlanHeader& h, uint64_t payload_bytes, const std::string& where) {
  std::set<std::string> names;
  for (const auto& b : h.blobs) {
    const size_t es = dtype_size(b.dtype);
    if (es == 0) bad_plan(where, "blob '" + b.name + "' has unknown dtype '" + b.dtype + "'");
    const int64_t numel = checked_numel(b.shape);
    if (numel < 0 || static_cast<uint64_t>(numel) > std::numeric_limits<uint64_t>::max() / es ||
        static_cast<uint64_t>(numel) * es != b.length)
      bad_plan(where, "blob '" + b.name + "' length " + std::to_string(b.length) + " does not match its shape");
    if (b.offset > payload_bytes || b.length > payload_bytes - b.offset)
      bad_plan(where, "blob '" + b.name + "' lies outside the payload (offset " + std::to_string(b.offset) +
                          ", length " + std::to_string(b.length) + ", payload " + std::to_string(payload_bytes) +
                          " bytes)");
    if (!names.insert(b.name).second) bad_plan(where, "blob '" + b.name + "' appears twice");
  }
}

PlanHeader decode_header_section(std::span<const uint8_t> bytes, uint64_t payload_bytes,
                                 const std::string& where) {
  Decoder d(bytes, where);
  PlanHeader h;
  h.model_sha256 = d.str("model_sha256");
  h.precision = d.str("precision");
  h.max_batch = d.i32();
  h.max_seq = d.i32();
  h.gpu_name = d.str("gpu_name");
  h.cc_major = d.i32();
  h.cc_minor = d.i32();
  h.cuda_runtime_version = d.str("cuda_runtime_version");
  h.cublaslt_version = d.str("cublaslt_version");
  h.driver_version = d.str("driver_version");
  h.created_unix = d.i64();
  h.algos.resize(d.count("algorithm"));
  for (auto& a : h.algos) {
    a.gemm = d.str("gemm");
    a.m = d.i32();
    a.n = d.i32();
    a.k = d.i32();
    a.epilogue = d.u32();
    for (uint64_t& w : a.algo) w = d.u64();
    a.workspace_bytes = d.u64();
    a.time_us = d.f32();
  }
  h.blobs.resize(d.count("blob"));
  for (auto& b : h.blobs) {
    b.name = d.str("blob name");
    b.dtype = d.str("blob dtype");
    const uint32_t nd = d.u32();
    if (nd > kMaxDims) bad_plan(where, "blob '" + b.name + "' has " + std::to_string(nd) + " dimensions");
    b.shape.resize(nd);
    for (int64_t& x : b.shape) x = d.i64();
    b.offset = d.u64();
    b.length = d.u64();
  }
  if (!d.done()) bad_plan(where, "header section has trailing bytes");
  validate_blobs(h, payload_bytes, where);
  return h;
}

struct Prefix {
  uint32_t version = 0;
  uint64_t header_bytes = 0, payload_bytes = 0, header_checksum = 0, payload_checksum = 0;
  uint64_t payload_offset() const { return align_up(kPlanPrefixBytes + header_bytes); }
};

template <typename T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Checks magic, version and that the sizes account for exactly `file_size` bytes.
Prefix parse_prefix(std::span<const uint8_t> prefix, uint64_t file_size, const std::string& where) {
  if (prefix.size() < kPlanPrefixBytes)
    bad_plan(where, "file is " + std::to_string(file_size) + " bytes, too short for a plan (truncated?)");
  if (std::memcmp(prefix.data(), kPlanMagic, sizeof(kPlanMagic)) != 0)
    bad_plan(where, "not an acgs-infer engine plan (magic is not ACGSPLAN)");
  Prefix p;
  p.version = load_le<uint32_t>(prefix.data() + 8);
  if (p.version != kPlanFormatVersion)
    bad_plan(where, "plan format version " + std::to_string(p.version) + ", this build reads version " +
                        std::to_string(kPlanFormatVersion));
  p.header_bytes = load_le<uint64_t>(prefix.data() + 16);
  p.payload_bytes = load_le<uint64_t>(prefix.data() + 24);
  p.header_checksum = load_le<uint64_t>(prefix.data() + 32);
  p.payload_checksum = load_le<uint64_t>(prefix.data() + 40);
  const uint64_t limit = uint64_t{1} << 48;  // keeps the sums below from overflowing
  if (p.header_bytes > limit || p.payload_bytes > limit || p.payload_offset() + p.payload_bytes != file_size)
    bad_plan(where, "file is " + std::to_string(file_size) + " bytes but its header describes " +
                        (p.header_bytes > limit || p.payload_bytes > limit
                             ? std::string("an impossible size")
                             : std::to_string(p.payload_offset() + p.payload_bytes)) +
                        " (truncated or corrupt)");
  return p;
}

uint64_t header_checksum(std::span<const uint8_t> prefix, std::span<const uint8_t> section) {
  Hasher h(0xcbf29ce484222325ULL);
  h.update(prefix.first(32));
  h.update(section);
  return h.finish();
}

PlanHeader parse_checked_header(std::span<const uint8_t> prefix, std::span<const uint8_t> section,
                                const Prefix& p, const std::string& where) {
  if (header_checksum(prefix, section) != p.header_checksum)
    bad_plan(where, "header checksum mismatch (file corrupt)");
  return decode_header_section(section, p.payload_bytes, where);
}

// Built by appending: GCC 12 reports a false -Wrestrict for `"'" + std::string`.
std::string quoted(const std::filesystem::path& path) {
  std::string s(1, '\'');
  s += path.string();
  s += '\'';
  return s;
}

}  // namespace

size_t dtype_size(const std::string& dtype) {
  if (dtype == "f32") return 4;
  if (dtype == "f16" || dtype == "bf16") return 2;
  if (dtype == "i8" || dtype == "u8") return 1;
  return 0;
}

uint64_t plan_checksum(std::span<const uint8_t> bytes, uint64_t seed) {
  Hasher h(seed);
  h.update(bytes);
  return h.finish();
}

PlanWriter::PlanWriter(PlanHeader header) : header_(std::move(header)) { header_.blobs.clear(); }

void PlanWriter::add_blob(const std::string& name, const std::string& dtype, std::vector<int64_t> shape,
                          std::span<const uint8_t> bytes) {
  const size_t es = dtype_size(dtype);
  const int64_t numel = checked_numel(shape);
  if (es == 0 || numel < 0 || static_cast<uint64_t>(numel) * es != bytes.size())
    fail(ErrorKind::kInvalidArgument, "plan blob '" + name + "': " + std::to_string(bytes.size()) +
                                          " bytes do not match dtype '" + dtype + "' and its shape");
  for (const auto& b : header_.blobs)
    if (b.name == name) fail(ErrorKind::kInvalidArgument, "plan blob '" + name + "' added twice");
  const uint64_t offset = align_up(payload_.size());
  payload_.resize(offset);
  payload_.insert(payload_.end(), bytes.begin(), bytes.end());
  header_.blobs.push_back({name, dtype, std::move(shape), offset, bytes.size()});
}

std::vector<uint8_t> PlanWriter::serialize() const {
  const std::vector<uint8_t> section = encode_header_section(header_);
  std::vector<uint8_t> out(kPlanPrefixBytes, 0);
  std::memcpy(out.data(), kPlanMagic, sizeof(kPlanMagic));
  const uint32_t version = kPlanFormatVersion;
  const uint64_t header_bytes = section.size(), payload_bytes = payload_.size();
  std::memcpy(out.data() + 8, &version, 4);
  std::memcpy(out.data() + 16, &header_bytes, 8);
  std::memcpy(out.data() + 24, &payload_bytes, 8);
  const uint64_t hc = header_checksum(out, section), pc = plan_checksum(payload_);
  std::memcpy(out.data() + 32, &hc, 8);
  std::memcpy(out.data() + 40, &pc, 8);
  out.insert(out.end(), section.begin(), section.end());
  out.resize(align_up(out.size()), 0);
  out.insert(out.end(), payload_.begin(), payload_.end());
  return out;
}

void PlanWriter::write(const std::filesystem::path& path) const {
  const std::vector<uint8_t> bytes = serialize();
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      fail(ErrorKind::kInvalidArgument, "cannot write engine plan " + quoted(path) +
                                            ": check that the folder exists and is writable, and the disk space");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail(ErrorKind::kInvalidArgument, "cannot move the engine plan into place at " + quoted(path));
  }
}

namespace {

PlanHeader parse_in_memory(std::span<const uint8_t> bytes, const std::string& where, bool verify_payload,
                           Prefix* prefix_out) {
  const Prefix p = parse_prefix(bytes, bytes.size(), where);
  PlanHeader h = parse_checked_header(bytes.first(kPlanPrefixBytes), bytes.subspan(kPlanPrefixBytes, p.header_bytes),
                                      p, where);
  if (verify_payload && plan_checksum(bytes.subspan(p.payload_offset())) != p.payload_checksum)
    bad_plan(where, "payload checksum mismatch (weights corrupt)");
  *prefix_out = p;
  return h;
}

}  // namespace

PlanHeader parse_plan_header(std::span<const uint8_t> bytes, const std::string& where, bool verify_payload) {
  Prefix p;
  return parse_in_memory(bytes, where, verify_payload, &p);
}

PlanData parse_plan(std::span<const uint8_t> bytes, const std::string& where) {
  Prefix p;
  PlanData plan;
  plan.header = parse_in_memory(bytes, where, true, &p);
  const auto payload = bytes.subspan(p.payload_offset());
  plan.payload.assign(payload.begin(), payload.end());
  return plan;
}

namespace {

std::ifstream open_plan(const std::filesystem::path& path, uint64_t* size) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail(ErrorKind::kInvalidModel, "engine plan " + quoted(path) +
                                       " does not exist or is not a file; build one with `acgs-infer optimize`");
  *size = std::filesystem::file_size(path, ec);
  std::ifstream f(path, std::ios::binary);
  if (ec || !f) fail(ErrorKind::kInvalidModel, "cannot read engine plan " + quoted(path) + ": check permissions");
  return f;
}

bool read_exact(std::ifstream& f, uint8_t* dst, uint64_t n) {
  f.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n));
  return static_cast<uint64_t>(f.gcount()) == n;
}

}  // namespace

PlanData read_plan_file(const std::filesystem::path& path) {
  uint64_t size = 0;
  std::ifstream f = open_plan(path, &size);
  std::vector<uint8_t> bytes(size);
  if (!read_exact(f, bytes.data(), size)) bad_plan(quoted(path), "read failed (file changed while reading?)");
  return parse_plan(bytes, quoted(path));
}

PlanHeader read_plan_header(const std::filesystem::path& path, bool verify_payload) {
  const std::string where = quoted(path);
  uint64_t size = 0;
  std::ifstream f = open_plan(path, &size);
  std::vector<uint8_t> prefix(std::min<uint64_t>(size, kPlanPrefixBytes));
  if (!read_exact(f, prefix.data(), prefix.size())) bad_plan(where, "read failed");
  const Prefix p = parse_prefix(prefix, size, where);
  std::vector<uint8_t> section(p.header_bytes);
  if (!read_exact(f, section.data(), section.size())) bad_plan(where, "read failed");
  PlanHeader h = parse_checked_header(prefix, section, p, where);
  if (verify_payload) {
    f.seekg(static_cast<std::streamoff>(p.payload_offset()));
    Hasher hasher(0xcbf29ce484222325ULL);
    std::vector<uint8_t> chunk(kStreamChunk);
    for (uint64_t left = p.payload_bytes; left > 0;) {
      const uint64_t n = std::min<uint64_t>(left, chunk.size());
      if (!read_exact(f, chunk.data(), n)) bad_plan(where, "read failed");
      hasher.update(std::span<const uint8_t>(chunk.data(), n));
      left -= n;
    }
    if (hasher.finish() != p.payload_checksum) bad_plan(where, "payload checksum mismatch (weights corrupt)");
  }
  return h;
}

const BlobInfo& find_blob(const PlanHeader& header, const std::string& name) {
  for (const auto& b : header.blobs)
    if (b.name == name) return b;
  fail(ErrorKind::kInvalidModel, "engine plan has no weight blob '" + name +
                                     "' (built by another version?); rebuild it with `acgs-infer optimize`");
}

std::span<const uint8_t> blob_bytes(const PlanData& plan, const BlobInfo& blob) {
  return std::span<const uint8_t>(plan.payload).subspan(blob.offset, blob.length);
}

std::string plan_mismatch(const PlanHeader& h, const PlanExpect& e) {
  if (!e.model_sha256.empty() && h.model_sha256 != e.model_sha256)
    return "model changed since the plan was built (plan has model sha256 " + h.model_sha256 +
           ", the model now has " + e.model_sha256 + ")";
  if (!e.precision.empty() && h.precision != e.precision)
    return "plan precision is " + h.precision + ", " + e.precision + " was requested";
  if (!e.gpu_name.empty() && h.gpu_name != e.gpu_name)
    return "plan was built for GPU '" + h.gpu_name + "', this device is '" + e.gpu_name + "'";
  if ((e.cc_major >= 0 && h.cc_major != e.cc_major) || (e.cc_minor >= 0 && h.cc_minor != e.cc_minor))
    return "plan was built for compute capability " + std::to_string(h.cc_major) + "." +
           std::to_string(h.cc_minor) + ", this device has " + std::to_string(e.cc_major) + "." +
           std::to_string(e.cc_minor);
  if (e.max_batch >= 0 && h.max_batch < e.max_batch)
    return "plan covers batches up to " + std::to_string(h.max_batch) + ", " + std::to_string(e.max_batch) +
           " requested";
  if (e.max_seq >= 0 && h.max_seq < e.max_seq)
    return "plan covers sequences up to " + std::to_string(h.max_seq) + " tokens, " +
           std::to_string(e.max_seq) + " requested";
  return "";
}

PlanCheck check_plan(const std::filesystem::path& path, const PlanExpect& expect) {
  PlanCheck check;
  try {
    check.header = read_plan_header(path, expect.verify_payload);
    check.header_ok = true;
  } catch (const std::exception& e) {
    check.reason = e.what();
    return check;
  }
  check.reason = plan_mismatch(check.header, expect);
  check.valid = check.reason.empty();
  if (!check.valid) check.reason = "engine plan " + quoted(path) + ": " + check.reason +
                                   "; rebuild it with `acgs-infer optimize`";
  return check;
}

}  // namespace acgs::plan
