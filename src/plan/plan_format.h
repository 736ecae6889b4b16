#pragma once
// The engine plan file (`acgs-infer optimize --out FILE.plan`): everything the CUDA backend needs to start
// without autotuning (the cuBLASLt algorithm chosen per GEMM shape bucket, the weights already converted to
// the device precision) plus what it was built for, so a stale plan is detected before it is used.
// Plain C++ with no CUDA: the engine checks a plan's header on machines without a GPU.
//
// Layout (all integers little-endian):
//   [0, 8)    magic "ACGSPLAN"
//   [8, 12)   u32 format version (kPlanFormatVersion)
//   [12, 16)  u32 reserved, 0
//   [16, 24)  u64 header_bytes: size of the header section
//   [24, 32)  u64 payload_bytes: size of the payload section
//   [32, 40)  u64 header_checksum: plan_checksum over bytes [0, 32) then the header section
//   [40, 48)  u64 payload_checksum: plan_checksum over the payload section
//   [48, 64)  zero
//   [64, 64 + header_bytes)        header section (PlanHeader, see encode order in plan_format.cc)
//   padding to a multiple of kPlanAlignment
//   [payload_offset, + payload_bytes) payload: weight blobs, each aligned to kPlanAlignment
// The file size must be exactly payload_offset + payload_bytes; anything else is a truncated or padded file.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace acgs::plan {

inline constexpr char kPlanMagic[8] = {'A', 'C', 'G', 'S', 'P', 'L', 'A', 'N'};
inline constexpr uint32_t kPlanFormatVersion = 1;
inline constexpr size_t kPlanPrefixBytes = 64;
inline constexpr size_t kPlanAlignment = 256;  // blob offsets suit cudaMemcpy and 16-byte vector loads

// One autotuned GEMM: the shape bucket it serves and the raw bytes of the cublasLtMatmulAlgo_t picked for
// it (that struct is `uint64_t data[8]` and is only meaningful to the cuBLASLt version that produced it).
struct GemmAlgo {
  std::string gemm;              // which GEMM: "qkv", "attn_out", "ffn1", "ffn2", ...
  int32_t m = 0, n = 0, k = 0;   // m = token-count bucket; n, k from the model
  uint32_t epilogue = 0;         // cublasLtEpilogue_t value used
  std::array<uint64_t, 8> algo{};
  uint64_t workspace_bytes = 0;
  float time_us = 0.0f;          // measured median when autotuned
};

// A weight tensor stored in the payload; offset is relative to the payload start.
struct BlobInfo {
  std::string name;             // e.g. "layers.0.qkv_w"
  std::string dtype;            // "f16" | "f32" | "i8" | "u8"
  std::vector<int64_t> shape;
  uint64_t offset = 0;
  uint64_t length = 0;          // bytes
};

struct PlanHeader {
  uint32_t format_version = kPlanFormatVersion;
  std::string model_sha256;     // ModelWeights::sha256 of the model the plan was built from
  std::string precision;        // "fp16" | "fp32"
  int32_t max_batch = 0, max_seq = 0;
  std::string gpu_name;         // cudaDeviceProp::name
  int32_t cc_major = 0, cc_minor = 0;
  std::string cuda_runtime_version, cublaslt_version, driver_version;
  int64_t created_unix = 0;     // seconds since the epoch
  std::vector<GemmAlgo> algos;
  std::vector<BlobInfo> blobs;
};

struct PlanData {
  PlanHeader header;
  std::vector<uint8_t> payload;
};

// Bytes per element of a blob dtype; 0 for an unknown dtype.
size_t dtype_size(const std::string& dtype);

// Collects blobs into an aligned payload, then serializes the whole plan.
class PlanWriter {
 public:
  explicit PlanWriter(PlanHeader header);
  // Appends a blob; bytes.size() must equal numel(shape) * dtype_size(dtype) (else Error kInvalidArgument).
  void add_blob(const std::string& name, const std::string& dtype, std::vector<int64_t> shape,
                std::span<const uint8_t> bytes);
  const PlanHeader& header() const { return header_; }
  std::vector<uint8_t> serialize() const;
  // Writes to a temporary file beside `path`, then renames: a crash never leaves a half-written plan.
  void write(const std::filesystem::path& path) const;

 private:
  PlanHeader header_;
  std::vector<uint8_t> payload_;
};

// 64-bit corruption check (FNV-1a over 64-bit words, tail bytes folded in). Not cryptographic: a plan is
// trusted build output; this only catches truncation, bit rot and partial copies.
uint64_t plan_checksum(std::span<const uint8_t> bytes, uint64_t seed = 0xcbf29ce484222325ULL);

// Parsing. `where` names the source in messages. Every malformed input throws Error(kInvalidModel) saying
// what is wrong and that the plan should be rebuilt with `acgs-infer optimize`.
PlanHeader parse_plan_header(std::span<const uint8_t> bytes, const std::string& where,
                             bool verify_payload = true);
PlanData parse_plan(std::span<const uint8_t> bytes, const std::string& where);
PlanData read_plan_file(const std::filesystem::path& path);
// Reads and validates only what is needed for the header (plus the payload checksum when verify_payload,
// streamed, not kept in memory).
PlanHeader read_plan_header(const std::filesystem::path& path, bool verify_payload = true);

// The blob's bytes inside a parsed plan; Error(kInvalidModel) if the plan has no blob of that name.
const BlobInfo& find_blob(const PlanHeader& header, const std::string& name);
std::span<const uint8_t> blob_bytes(const PlanData& plan, const BlobInfo& blob);

// What the caller needs the plan to match; an empty string / negative number means "don't check".
struct PlanExpect {
  std::string model_sha256;
  std::string precision;
  std::string gpu_name;
  int cc_major = -1, cc_minor = -1;
  int max_batch = -1, max_seq = -1;  // the plan must cover at least these
  bool verify_payload = true;
};

struct PlanCheck {
  bool valid = false;
  bool header_ok = false;  // the header parsed (so `header` is meaningful) even if the plan is not valid
  std::string reason;      // why not valid; empty when valid
  PlanHeader header;
};

// Never throws: a missing, corrupt, truncated, foreign-version or stale plan becomes valid = false with
// the reason (for `status`, the engine's fallback chain and `plan-info`).
PlanCheck check_plan(const std::filesystem::path& path, const PlanExpect& expect);
// The match part alone, on an already parsed header; empty string when it matches.
std::string plan_mismatch(const PlanHeader& header, const PlanExpect& expect);

}  // namespace acgs::plan
