#include "backend/cuda/cuda_factory.h"

#include <cuda_fp16.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "backend/cuda/attention_choice.h"
#include "backend/cuda/cuda_backend.h"
#include "backend/cuda/device_info.h"
#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/weight_pack.h"
#include "common/error.h"
#include "plan/plan_format.h"

namespace acgs::cuda {
namespace {

template <typename T>
const std::string kBlobDtype = sizeof(T) == 2 ? "f16" : "f32";

DeviceReport require_device(int device) {
  DeviceReport report = probe_device(device);
  if (!report.available) fail(ErrorKind::kUnavailable, report.reason);
  ACGS_CUDA(cudaSetDevice(device));
  return report;
}

void check_options(const CudaOptions& o, const ModelConfig& c) {
  if (o.precision != "fp16" && o.precision != "fp32")
    fail(ErrorKind::kInvalidArgument, "CUDA precision '" + o.precision + "' is not supported: use fp16 or fp32");
  if (o.max_batch < 1 || o.max_seq < 1 || o.max_seq > c.max_position_embeddings)
    fail(ErrorKind::kInvalidArgument, "CUDA capacity " + std::to_string(o.max_batch) + " x " +
                                          std::to_string(o.max_seq) + " is invalid: --max-batch must be >= 1 and " +
                                          "--max-seq in [1, " + std::to_string(c.max_position_embeddings) + "]");
  if (c.n_layers < 1) fail(ErrorKind::kInvalidModel, "the model has no encoder layers");
  // The FFN1 GEMM fuses cuBLASLt's GELU epilogue; there is no kernel for another activation, so the chain
  // moves on to the CPU backends, which run them all.
  if (c.activation != "gelu")
    fail(ErrorKind::kUnavailable, "the CUDA backend runs hidden_act \"gelu\" only, this model uses \"" +
                                      c.activation + "\" (the cpu and reference backends run it)");
}

// ACGS_CUDA_TUNE=0: an in-memory backend takes cuBLASLt's first heuristic choice for every GEMM (A/B against the
// default autotuning of the small buckets, and bit-reproducible results across backends).
bool tuning_enabled() {
  const char* v = std::getenv("ACGS_CUDA_TUNE");
  return v == nullptr || std::string(v) != "0";
}

bool graphs_enabled() {
  const char* v = std::getenv("ACGS_CUDA_GRAPHS");
  return v == nullptr || std::string(v) != "0";
}

[[noreturn]] void blob_mismatch(const std::string& name, const std::string& where) {
  fail(ErrorKind::kInvalidModel, "weight blob " + name + " in " + where +
                                     " is missing or has another dtype/shape than the model needs: rebuild it "
                                     "with `acgs-infer optimize`");
}

BlobLookup lookup_packed(const std::vector<HostBlob>& blobs) {
  return [&blobs](const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape) {
    for (const HostBlob& b : blobs)
      if (b.name == name && b.dtype == dtype && b.shape == shape) return std::span<const uint8_t>(b.bytes);
    blob_mismatch(name, "the converted weights");
  };
}

BlobLookup lookup_plan(const plan::PlanData& plan, const std::string& where) {
  return [&plan, where](const std::string& name, const std::string& dtype, const std::vector<int64_t>& shape) {
    const plan::BlobInfo& b = plan::find_blob(plan.header, name);
    if (b.dtype != dtype || b.shape != shape) blob_mismatch(name, where);
    return plan::blob_bytes(plan, b);
  };
}

// Mismatches plan_mismatch does not cover: the exact model (also when it has no hash) and library versions,
// since cuBLASLt algorithm descriptors are only meaningful to the version that produced them.
std::string plan_conflict(const plan::PlanHeader& h, const ModelWeights& w, const CudaOptions& o,
                          const DeviceReport& r) {
  plan::PlanExpect expect;
  expect.precision = o.precision;
  expect.gpu_name = r.name;
  expect.cc_major = r.cc_major;
  expect.cc_minor = r.cc_minor;
  expect.max_batch = o.max_batch;
  expect.max_seq = o.max_seq;
  std::string why = plan::plan_mismatch(h, expect);
  if (!why.empty()) return why;
  if (h.model_sha256 != w.sha256) return "built for model " + h.model_sha256 + ", this model is " + w.sha256;
  if (h.cuda_runtime_version != r.runtime_version)
    return "built with CUDA runtime " + h.cuda_runtime_version + ", running " + r.runtime_version;
  if (h.cublaslt_version != r.cublaslt_version)
    return "built with cuBLASLt " + h.cublaslt_version + ", running " + r.cublaslt_version;
  return "";
}

template <typename T>
std::unique_ptr<Backend> create_typed(const ModelWeights& w, const CudaOptions& o, const DeviceReport& r) {
  const ModelConfig& c = w.config;
  prepare_attention<T>(c.head_dim());
  DeviceModel<T> model;
  std::unique_ptr<ExecContext<T>> ctx;
  AlgoTable algos;
  std::string gemm_note = "gemm: plan";
  if (!o.plan_path.empty()) {
    const plan::PlanData plan = plan::read_plan_file(o.plan_path);
    const std::string why = plan_conflict(plan.header, w, o, r);
    if (!why.empty())
      fail(ErrorKind::kInvalidModel,
           "engine plan " + o.plan_path + " does not fit: " + why + "; rebuild it with `acgs-infer optimize`");
    model = upload_model<T>(c, lookup_plan(plan, o.plan_path));
    ctx = std::make_unique<ExecContext<T>>(c, make_capacity(c, plan.header.max_batch, plan.header.max_seq));
    algos = AlgoTable::from_plan(ctx->gemm, c, ctx->capacity.tokens, gemm_operands(model, *ctx), plan.header.algos);
  } else {
    model = upload_model<T>(c, lookup_packed(pack_weights(w, kBlobDtype<T>)));
    ctx = std::make_unique<ExecContext<T>>(c, make_capacity(c, o.max_batch, o.max_seq));
    const bool tune = tuning_enabled();
    const int tuned_tokens = tune ? kInMemoryTunedTokens : 0;
    algos = AlgoTable::autotune(ctx->gemm, c, ctx->capacity.tokens, gemm_operands(model, *ctx), ctx->stream.get(),
                                ctx->workspace.get(), tuned_tokens);
    gemm_note = tune ? "gemm: autotuned up to " + std::to_string(kInMemoryTunedTokens) + " tokens"
                     : "gemm: heuristic (ACGS_CUDA_TUNE=0)";
    if (const int untimed = algos.untimed(tuned_tokens); untimed > 0)
      gemm_note += " (" + std::to_string(untimed) + " entries untimed: no candidate ran, heuristic's first choice)";
  }
  BackendInfo info{"cuda-" + o.precision, o.precision, r.name};
  info.notes = gemm_note;
  AttentionChoice attention;
  if constexpr (sizeof(T) == 2) {
    attention = choose_fp16_attention(c.n_heads, c.head_dim(), ctx->stream.get());
    info.notes = "attention: " + attention.reason + "; " + info.notes;
    if (attention.fell_back) std::fprintf(stderr, "acgs-infer: cuda-fp16 %s\n", info.notes.c_str());
  }
  return std::make_unique<CudaBackend<T>>(std::move(model), std::move(algos), attention.kernel, std::move(ctx),
                                          o.device, std::move(info), graphs_enabled());
}

template <typename T>
void build_plan_typed(const ModelWeights& w, const CudaOptions& o, const DeviceReport& r, const std::string& path) {
  const ModelConfig& c = w.config;
  prepare_attention<T>(c.head_dim());
  const std::vector<HostBlob> blobs = pack_weights(w, kBlobDtype<T>);
  const DeviceModel<T> model = upload_model<T>(c, lookup_packed(blobs));
  ExecContext<T> ctx(c, make_capacity(c, o.max_batch, o.max_seq));
  const AlgoTable algos = AlgoTable::autotune(ctx.gemm, c, ctx.capacity.tokens, gemm_operands(model, ctx),
                                              ctx.stream.get(), ctx.workspace.get(), ctx.capacity.tokens);
  plan::PlanHeader h;
  h.model_sha256 = w.sha256;
  h.precision = o.precision;
  h.max_batch = o.max_batch;
  h.max_seq = o.max_seq;
  h.gpu_name = r.name;
  h.cc_major = r.cc_major;
  h.cc_minor = r.cc_minor;
  h.cuda_runtime_version = r.runtime_version;
  h.cublaslt_version = r.cublaslt_version;
  h.driver_version = r.driver_version;
  h.created_unix = static_cast<int64_t>(std::time(nullptr));
  h.algos = algos.to_plan(c);
  plan::PlanWriter writer(std::move(h));
  for (const HostBlob& b : blobs) writer.add_blob(b.name, b.dtype, b.shape, b.bytes);
  writer.write(path);
}

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const ModelWeights& weights, const CudaOptions& options) {
  check_options(options, weights.config);
  const DeviceReport report = require_device(options.device);
  if (options.precision == "fp16") return create_typed<__half>(weights, options, report);
  return create_typed<float>(weights, options, report);
}

void write_cuda_plan(const ModelWeights& weights, const CudaOptions& options, const std::string& out_path) {
  check_options(options, weights.config);
  const DeviceReport report = require_device(options.device);
  if (options.precision == "fp16")
    build_plan_typed<__half>(weights, options, report, out_path);
  else
    build_plan_typed<float>(weights, options, report, out_path);
}

}  // namespace acgs::cuda
