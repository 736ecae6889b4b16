// `acgs-infer optimize`: autotunes the CUDA backend on this GPU and writes an engine plan (our
// load_tensorrt_engine() input). `acgs-infer plan-info`: prints a plan's header and whether it is valid
// for a model and this machine's GPU; it needs no GPU, so stale plans can be diagnosed anywhere.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/error.h"
#include "engine/cuda_plugin.h"
#include "model/default_model.h"
#include "model/model_files.h"
#include "plan/plan_format.h"

namespace acgs::cli {
namespace {

struct OptimizeOptions {
  std::string model;
  std::string precision = "fp16";
  std::string out;
  int max_batch = 64;
  int max_seq = 128;
  int device = 0;
};

struct PlanInfoOptions {
  std::string plan;
  std::string model;
  bool skip_payload = false;
  bool strict = false;
  bool load = false;
};

std::string iso_time(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::ordered_json header_json(const plan::PlanHeader& h) {
  nlohmann::ordered_json j;
  j["format_version"] = h.format_version;
  j["model_sha256"] = h.model_sha256;
  j["precision"] = h.precision;
  j["max_batch"] = h.max_batch;
  j["max_seq"] = h.max_seq;
  j["gpu_name"] = h.gpu_name;
  j["compute_capability"] = std::to_string(h.cc_major) + "." + std::to_string(h.cc_minor);
  j["cuda_runtime_version"] = h.cuda_runtime_version;
  j["cublaslt_version"] = h.cublaslt_version;
  j["driver_version"] = h.driver_version;
  j["created"] = iso_time(h.created_unix);
  nlohmann::ordered_json algos = nlohmann::ordered_json::array();
  for (const auto& a : h.algos)
    algos.push_back({{"gemm", a.gemm}, {"m", a.m}, {"n", a.n}, {"k", a.k}, {"epilogue", a.epilogue},
                     {"workspace_bytes", a.workspace_bytes}, {"time_us", a.time_us}});
  j["algorithms"] = algos;
  uint64_t weight_bytes = 0;
  for (const auto& b : h.blobs) weight_bytes += b.length;
  j["weight_blobs"] = h.blobs.size();
  j["weight_bytes"] = weight_bytes;
  return j;
}

// What the plan must match: the model's weights (when given) and this machine's GPU (when one is usable).
plan::PlanExpect expectations(const std::string& model, nlohmann::ordered_json& out) {
  plan::PlanExpect expect;
  if (!model.empty()) {
    const ModelWeights weights = load_weights(locate_model(resolve_model_dir(model)));
    expect.model_sha256 = weights.sha256;
    out["model_sha256"] = weights.sha256;
  }
  const cuda::DeviceReport dev = probe_cuda_device(0);
  if (dev.available) {
    expect.gpu_name = dev.name;
    expect.cc_major = dev.cc_major;
    expect.cc_minor = dev.cc_minor;
    out["device"] = {{"name", dev.name}, {"compute_capability", std::to_string(dev.cc_major) + "." +
                                                                    std::to_string(dev.cc_minor)}};
  } else {
    out["device"] = nullptr;
    out["device_reason"] = dev.reason;
  }
  return expect;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Starts the CUDA backend from the plan (what a server does at boot) and runs one short embed, timing both.
nlohmann::ordered_json load_json(const PlanInfoOptions& opt, const plan::PlanHeader& header) {
  nlohmann::ordered_json j;
  try {
    auto weights = std::make_shared<const ModelWeights>(load_weights(locate_model(resolve_model_dir(opt.model))));
    cuda::CudaOptions options;
    options.precision = header.precision;
    options.plan_path = opt.plan;
    options.max_batch = header.max_batch;
    options.max_seq = header.max_seq;
    auto start = std::chrono::steady_clock::now();
    auto backend = create_cuda_backend(weights, options);
    j["create_seconds"] = seconds_since(start);
    TokenBatch batch;
    const std::vector<int32_t> ids = {101, 7592, 2088, 102};
    batch.add(ids);
    std::vector<float> pooled(static_cast<size_t>(weights->config.dim));
    start = std::chrono::steady_clock::now();
    backend->embed(batch, Pooling::kMean, true, pooled);
    j["first_embed_seconds"] = seconds_since(start);
    j["backend"] = backend->info().name;
    j["device"] = backend->info().device;
  } catch (const Error& e) {
    j["error"] = e.what();
  }
  return j;
}

void run_plan_info(const PlanInfoOptions& opt) {
  if (opt.load && opt.model.empty())
    fail(ErrorKind::kInvalidArgument, "--load needs --model: the plan holds no tokenizer or config");
  nlohmann::ordered_json out;
  out["path"] = opt.plan;
  plan::PlanExpect expect = expectations(opt.model, out);
  expect.verify_payload = !opt.skip_payload;
  const plan::PlanCheck check = plan::check_plan(opt.plan, expect);
  out["valid"] = check.valid;
  out["reason"] = check.reason;
  out["payload_verified"] = !opt.skip_payload;
  out["header"] = check.header_ok ? header_json(check.header) : nlohmann::ordered_json(nullptr);
  if (opt.load) out["load"] = check.valid ? load_json(opt, check.header) : nlohmann::ordered_json{{"error", check.reason}};
  std::printf("%s\n", out.dump(2).c_str());
  if (opt.strict && !check.valid) fail(ErrorKind::kInvalidModel, check.reason);
}

void run_optimize(const OptimizeOptions& opt) {
  if (opt.precision != "fp16" && opt.precision != "fp32")
    fail(ErrorKind::kInvalidArgument, "--precision must be fp16 or fp32, got '" + opt.precision + "'");
  if (opt.max_batch < 1 || opt.max_seq < 1)
    fail(ErrorKind::kInvalidArgument, "--max-batch and --max-seq must be >= 1");
  const ModelWeights weights = load_weights(locate_model(resolve_model_dir(opt.model)));
  if (opt.max_seq > weights.config.max_position_embeddings)
    fail(ErrorKind::kInvalidArgument, "--max-seq " + std::to_string(opt.max_seq) + " exceeds the model's " +
                                          std::to_string(weights.config.max_position_embeddings) + " positions");
  cuda::CudaOptions options;
  options.precision = opt.precision;
  options.max_batch = opt.max_batch;
  options.max_seq = opt.max_seq;
  options.device = opt.device;
  const auto start = std::chrono::steady_clock::now();
  build_cuda_plan(weights, options, opt.out);
  const double seconds = seconds_since(start);

  // Read back what was written: a plan that does not validate must not be reported as built.
  plan::PlanExpect expect;
  expect.model_sha256 = weights.sha256;
  expect.precision = opt.precision;
  expect.max_batch = opt.max_batch;
  expect.max_seq = opt.max_seq;
  const plan::PlanCheck check = plan::check_plan(opt.out, expect);
  if (!check.valid) fail(ErrorKind::kInternal, "the plan just written does not validate: " + check.reason);
  nlohmann::ordered_json out;
  out["plan"] = opt.out;
  out["build_seconds"] = seconds;
  out["bytes"] = std::filesystem::file_size(opt.out);
  out["header"] = header_json(check.header);
  std::printf("%s\n", out.dump(2).c_str());
}

}  // namespace

void register_optimize(CLI::App& app) {
  auto opt = std::make_shared<OptimizeOptions>();
  auto* cmd = app.add_subcommand("optimize", "Autotune the CUDA backend on this GPU and write an engine plan");
  cmd->add_option("--model", opt->model, "Model directory (default: the built-in default model)");
  cmd->add_option("--precision", opt->precision, "fp16 or fp32")->capture_default_str();
  cmd->add_option("--max-batch", opt->max_batch, "Largest batch the plan serves")->capture_default_str();
  cmd->add_option("--max-seq", opt->max_seq, "Longest sequence (tokens) the plan serves")->capture_default_str();
  cmd->add_option("--device", opt->device, "CUDA device index")->capture_default_str();
  cmd->add_option("--out", opt->out, "Plan file to write (e.g. model.plan)")->required();
  cmd->callback([opt] { run_optimize(*opt); });
}

void register_plan_info(CLI::App& app) {
  auto opt = std::make_shared<PlanInfoOptions>();
  auto* cmd = app.add_subcommand("plan-info", "Print an engine plan's header as JSON and whether it is valid");
  cmd->add_option("plan", opt->plan, "Plan file")->required();
  cmd->add_option("--model", opt->model, "Also check the plan was built from this model");
  cmd->add_flag("--skip-payload", opt->skip_payload, "Check only the header (skip the weights checksum)");
  cmd->add_flag("--strict", opt->strict, "Exit non-zero when the plan is not valid");
  cmd->add_flag("--load", opt->load, "Also start the CUDA backend from the plan and time it (needs --model and a GPU)");
  cmd->callback([opt] { run_plan_info(*opt); });
}

}  // namespace acgs::cli
