#include "engine/backend_chain.h"

#include <algorithm>
#include <exception>
#include <iterator>
#include <optional>
#include <system_error>

#include "backend/reference/reference_backend.h"
#include "common/error.h"
#include "engine/backend_factory.h"
#include "engine/cuda_plugin.h"
#include "engine/plan_cache.h"
#include "engine/self_check.h"
#include "plan/plan_format.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

// The fallback order; cuda-fp16 first tries its plan (engine.h).
constexpr const char* kChainOrder[] = {"cuda-fp16", "cuda-fp32", "cpu-int8", "cpu", "reference"};
constexpr const char* kSelfCheckText = "acgs-infer startup self-check: agent message validated.";

std::string precision_of(const std::string& name) {
  if (name == "cuda-fp16") return "fp16";
  if (name == "cpu-int8") return "int8";
  return "fp32";
}

bool is_cuda(const std::string& name) { return name.starts_with("cuda-"); }

// Runs the chain for one model; each try_* either sets the active backend or records why not.
class Chain {
 public:
  Chain(const LoadedModel& model, const EngineOptions& options)
      : model_(model), options_(options), device_(probe_cuda_device(0)) {
    for (const char* name : kChainOrder) {
      BackendAttempt a;
      a.name = name;
      a.precision = precision_of(name);
      a.compiled = !is_cuda(name) || !cuda_plugin_info().path.empty();
      a.device = is_cuda(name) ? device_.name : "";
      a.state = "not tried";
      result_.attempts.push_back(a);
    }
    init_plan();
  }

  ChainResult run(const std::string& requested) {
    const std::vector<std::string> known = known_backends();
    if (!requested.empty() && std::find(known.begin(), known.end(), requested) == known.end()) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      fail(ErrorKind::kInvalidArgument, "unknown backend '" + requested + "' (from --backend or $ACGS_BACKEND): "
                                        "choose auto or one of " + names);
    }
    const std::vector<std::string> order =
        requested.empty() ? std::vector<std::string>(std::begin(kChainOrder), std::end(kChainOrder))
                          : std::vector<std::string>{requested};
    for (const std::string& name : order) {
      BackendAttempt& a = attempt(name);
      if (name == "cpu-int8" && requested.empty() && !options_.allow_int8) {
        a.state = "not in chain";
        a.available = true;
        a.reason = "only when asked (--backend cpu-int8 or allow_int8): int8 trades accuracy for speed";
        continue;
      }
      if (try_backend(a)) break;
    }
    if (!requested.empty() && result_.backend == nullptr)
      fail(ErrorKind::kUnavailable, requested + " backend unavailable: " + attempt(requested).reason);
    finish_untried(requested);
    return std::move(result_);
  }

 private:
  BackendAttempt& attempt(const std::string& name) {
    auto it = std::find_if(result_.attempts.begin(), result_.attempts.end(),
                           [&](const BackendAttempt& a) { return a.name == name; });
    return *it;
  }

  // The plan cuda-fp16 would start from: --plan, else the cache path for this model and GPU. Without a
  // usable GPU only an explicit plan is checked (against the model), since the GPU name is unknown. An
  // explicit fp32 plan (`optimize --precision fp32`) is cuda-fp32's: never judged, let alone rebuilt over,
  // as an fp16 plan.
  void init_plan() {
    PlanState& plan = result_.plan;
    const bool explicit_fp32 = !options_.plan_path.empty() && plan_precision(options_.plan_path) == "fp32";
    if (explicit_fp32) {
      fp32_plan_.path = options_.plan_path;
    } else if (device_.available) {
      fp32_plan_.path = cached_plan("fp32");
    }
    if (!fp32_plan_.path.empty()) check_plan_file(fp32_plan_, "fp32");

    if (!options_.plan_path.empty() && !explicit_fp32) {
      plan.path = options_.plan_path;
    } else if (device_.available) {
      plan.path = cached_plan("fp16");
    } else {
      plan.why_invalid = "no usable CUDA device, so no plan applies: " + device_.reason;
      return;
    }
    check_plan_file(plan, "fp16");
  }

  // Where the plan cache keeps this model's plan for this GPU and precision.
  std::string cached_plan(const std::string& precision) const {
    return find_plan(model_.files.dir, model_.weights->sha256, device_.name, precision).string();
  }

  // "fp16" / "fp32" from the plan's header, "" when it cannot be read (check_plan_file says why).
  static std::string plan_precision(const std::string& path) {
    try {
      return plan::read_plan_header(path).precision;
    } catch (const std::exception&) {
      return "";
    }
  }

  void check_plan_file(PlanState& plan, const std::string& precision) {
    std::error_code ec;
    plan.exists = fs::exists(plan.path, ec);
    if (!plan.exists) {
      plan.valid = false;
      plan.why_invalid = "no plan file at " + plan.path + (device_.available && options_.build_plan
                                                               ? " (it is built on first use)"
                                                               : "; build one with `acgs-infer optimize`");
      return;
    }
    plan::PlanExpect expect;
    expect.model_sha256 = model_.weights->sha256;
    expect.precision = precision;
    if (device_.available) {
      expect.gpu_name = device_.name;
      expect.cc_major = device_.cc_major;
      expect.cc_minor = device_.cc_minor;
    }
    expect.max_batch = options_.max_batch;
    expect.max_seq = options_.max_seq;
    const plan::PlanCheck check = plan::check_plan(plan.path, expect);
    plan.valid = check.valid;
    plan.why_invalid = check.reason;
  }

  BackendOptions backend_options() const {
    BackendOptions o;
    o.threads = options_.threads;
    o.max_batch = options_.max_batch;
    o.max_seq = options_.max_seq;
    return o;
  }

  // Creates and self-checks one backend; the reason for failure on the way out.
  std::unique_ptr<Backend> create_checked(const std::string& name, const BackendOptions& o, std::string* reason) {
    try {
      std::unique_ptr<Backend> b = make_backend(name, model_.weights, o);
      if (options_.self_check && name != "reference") {
        *reason = run_self_check(*b, precision_of(name), self_check_input());
        if (!reason->empty()) return nullptr;
      }
      return b;
    } catch (const std::exception& e) {
      *reason = e.what();
      return nullptr;
    }
  }

  // cuda-fp16 from the plan when it is valid, else after (re)building it, caching the result.
  std::unique_ptr<Backend> create_fp16(std::string* reason) {
    PlanState& plan = result_.plan;
    BackendOptions o = backend_options();
    std::string why;
    if (plan.valid) {
      o.plan_path = plan.path;
      if (auto b = create_checked("cuda-fp16", o, &why)) return b;
      why = "from plan " + plan.path + ": " + why;
    } else if (!plan.why_invalid.empty()) {
      why = plan.why_invalid;
    }
    if (!options_.build_plan) {
      o.plan_path.clear();
      if (auto b = create_checked("cuda-fp16", o, reason)) return b;
      *reason = why + (why.empty() ? "" : "; without a plan: ") + *reason;
      return nullptr;
    }
    try {
      std::error_code ec;
      fs::create_directories(fs::path(plan.path).parent_path(), ec);
      cuda::CudaOptions co;
      co.precision = "fp16";
      co.max_batch = options_.max_batch;
      co.max_seq = options_.max_seq;
      build_cuda_plan(*model_.weights, co, plan.path);
      plan.built = true;
      plan.rebuilt_because = plan.why_invalid;
      check_plan_file(plan, "fp16");
      if (!plan.valid) fail(ErrorKind::kInternal, "the rebuilt plan does not validate: " + plan.why_invalid);
    } catch (const std::exception& e) {
      *reason = why + (why.empty() ? "" : "; rebuilding it: ") + e.what();
      return nullptr;
    }
    o.plan_path = plan.path;
    if (auto b = create_checked("cuda-fp16", o, reason)) return b;
    *reason = "from the rebuilt plan " + plan.path + ": " + *reason;
    return nullptr;
  }

  // cuda-fp32 from its plan when one validates (an explicit fp32 --plan, or `optimize --precision fp32`'s
  // file in the cache), else tuned in memory; `note` says which plan was used or why not.
  std::unique_ptr<Backend> create_fp32(std::string* reason, std::string* note) {
    BackendOptions o = backend_options();
    if (fp32_plan_.valid) {
      o.plan_path = fp32_plan_.path;
      std::string why;
      if (auto b = create_checked("cuda-fp32", o, &why)) {
        *note = "plan " + fp32_plan_.path;
        return b;
      }
      *note = "plan " + fp32_plan_.path + " not used: " + why;
      o.plan_path.clear();
    } else if (fp32_plan_.exists) {
      *note = "plan not used: " + fp32_plan_.why_invalid;  // names the file
    }
    return create_checked("cuda-fp32", o, reason);
  }

  bool try_backend(BackendAttempt& a) {
    std::string reason, plan_note;
    std::unique_ptr<Backend> b;
    if (is_cuda(a.name) && !device_.available) {
      reason = cuda_plugin_info().loaded ? "no usable CUDA device: " + device_.reason : cuda_plugin_info().reason;
    } else if (a.name == "reference" && reference_ != nullptr) {
      b = std::move(reference_);
    } else if (a.name == "cuda-fp16") {
      b = create_fp16(&reason);
    } else if (a.name == "cuda-fp32") {
      b = create_fp32(&reason, &plan_note);
    } else {
      b = create_checked(a.name, backend_options(), &reason);
    }
    if (b == nullptr) {
      a.state = "skipped";
      a.available = false;
      a.reason = reason;
      return false;
    }
    a.state = "active";
    a.available = true;
    a.reason.clear();
    a.device = b->info().device;
    a.notes = b->info().notes;
    if (!plan_note.empty()) a.notes = plan_note + (a.notes.empty() ? "" : "; " + a.notes);
    result_.active = a.name;
    result_.backend = std::move(b);
    return true;
  }

  const SelfCheckInput& self_check_input() {
    if (!check_input_) {
      reference_ = make_reference_backend(model_.weights);
      TokenBatch batch;
      batch.add(model_.tokenizer->encode(kSelfCheckText, 32));
      check_input_ = make_self_check_input(batch, *reference_);
    }
    return *check_input_;
  }

  // What is known without trying: CUDA needs the plugin and a device; the CPU backends always run.
  void finish_untried(const std::string& requested) {
    for (BackendAttempt& a : result_.attempts) {
      if (a.state != "not tried") continue;
      if (!requested.empty()) a.reason = "not tried: --backend " + requested + " was requested";
      if (is_cuda(a.name)) {
        a.available = device_.available;
        if (!device_.available)
          a.reason = cuda_plugin_info().loaded ? "no usable CUDA device: " + device_.reason : cuda_plugin_info().reason;
      } else {
        a.available = true;
      }
    }
  }

  const LoadedModel& model_;
  const EngineOptions& options_;
  const cuda::DeviceReport device_;
  ChainResult result_;
  std::optional<SelfCheckInput> check_input_;
  std::unique_ptr<Backend> reference_;  // built for the self-check; reused if the chain ends there
  PlanState fp32_plan_;                 // cuda-fp32's; never built here (it tunes in memory without one)
};

}  // namespace

ChainResult select_backend(const LoadedModel& model, const EngineOptions& options, const std::string& requested) {
  return Chain(model, options).run(requested);
}

}  // namespace acgs
