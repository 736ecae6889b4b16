// Engine::status_json(): the `acgs-infer status` / GET /v1/status object (our get_optimization_status()).
#include <utf8proc.h>

#include <algorithm>

#include "backend/cpu/thread_pool.h"
#include "engine/cuda_plugin.h"
#include "engine/engine.h"

#ifndef ACGS_INFER_VERSION
#define ACGS_INFER_VERSION "unknown"
#endif

namespace acgs {
namespace {

using Json = nlohmann::ordered_json;

std::string compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

Json versions() {
  Json v;
  v["acgs_infer"] = ACGS_INFER_VERSION;
  v["utf8proc"] = utf8proc_version();
  v["nlohmann_json"] = std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                       std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH);
  v["compiler"] = compiler();
  // The CUDA libraries belong to the plugin; their versions are known once it loaded and probed a device.
  const cuda::DeviceReport dev = probe_cuda_device(0);
  v["cuda_plugin"] = cuda_plugin_info().loaded ? Json(cuda_plugin_info().path) : Json(nullptr);
  v["cuda_runtime"] = dev.runtime_version.empty() ? Json(nullptr) : Json(dev.runtime_version);
  v["cublaslt"] = dev.cublaslt_version.empty() ? Json(nullptr) : Json(dev.cublaslt_version);
  v["cuda_driver"] = dev.driver_version.empty() ? Json(nullptr) : Json(dev.driver_version);
  return v;
}

Json config_json(const ModelConfig& c) {
  return {{"model_type", c.model_type},
          {"vocab_size", c.vocab_size}, {"dim", c.dim},
          {"n_layers", c.n_layers},     {"n_heads", c.n_heads},
          {"hidden_dim", c.hidden_dim}, {"max_position_embeddings", c.max_position_embeddings},
          {"activation", c.activation}, {"layer_norm_eps", c.layer_norm_eps}};
}

// What embed / serve / Python use without flags, and whether a sentence-transformers directory said so.
Json embedding_defaults_json(const EmbedOptions& o, bool declared) {
  const char* pooling = o.pooling == Pooling::kCls ? "cls" : o.pooling == Pooling::kMax ? "max" : "mean";
  return {{"pooling", pooling},
          {"normalize", o.normalize},
          {"max_length", o.max_length},
          {"source", declared ? "sentence-transformers files" : "built-in"}};
}

}  // namespace

nlohmann::ordered_json Engine::status_json() const {
  Json j;
  j["constitutional_hash"] = kConstitutionalHash;
  j["active_backend"] = active_;
  Json backends = Json::array();
  for (const BackendAttempt& a : attempts_) {
    Json b;
    b["name"] = a.name;
    b["compiled"] = a.compiled;
    b["available"] = a.available;
    b["state"] = a.state;
    if (!a.reason.empty()) b["reason"] = a.reason;
    b["precision"] = a.precision;
    b["device"] = a.device.empty() ? Json(nullptr) : Json(a.device);
    if (!a.notes.empty()) b["notes"] = a.notes;
    backends.push_back(b);
  }
  j["backends"] = backends;
  Json plan;
  plan["path"] = plan_.path.empty() ? Json(nullptr) : Json(plan_.path);
  plan["exists"] = plan_.exists;
  plan["valid"] = plan_.valid;
  plan["built"] = plan_.built;
  plan["why_invalid"] = plan_.valid ? Json(nullptr) : Json(plan_.why_invalid);
  if (plan_.built) plan["rebuilt_because"] = plan_.rebuilt_because;
  j["plan"] = plan;
  j["model"] = {{"path", files_.weights.string()},
                {"dir", files_.dir.string()},
                {"format", files_.format},
                {"sha256", sha256_},
                {"tokenizer", files_.tokenizer.string()},
                {"config", config_json(config())},
                {"embedding_defaults", embedding_defaults_json(embed_defaults(), sentence_.declared)}};
  j["max_seq_length"] = std::min(options_.max_seq, config().max_position_embeddings);
  j["max_batch"] = options_.max_batch;
  j["token_budget"] = options_.token_budget;
  j["threads"] = options_.threads > 0 ? options_.threads : cpu::physical_cores();
  j["versions"] = versions();
  return j;
}

}  // namespace acgs
