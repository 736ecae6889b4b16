#pragma once
// The Engine opens a model, picks the best backend that works on this machine (explaining every choice),
// and runs mixed-length batches through it. Our counterpart of the seed's "TensorRT, else ONNX Runtime
// GPU, else ONNX Runtime CPU, else PyTorch" rule:
//   cuda-fp16 from a valid plan file -> cuda-fp16 (plan built now, cached) -> cuda-fp32 -> cpu-int8 (only
//   when asked) -> cpu -> reference.
// A backend is skipped, with its reason recorded, when it fails to load, to initialize, or its startup
// self-check (one short text compared with the reference backend). When nothing works the engine still
// opens, in the "none" state, so the impact scorer can fall back to keyword heuristics.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/model_files.h"
#include "model/sentence_config.h"
#include "model/token_batch.h"
#include "tokenizer/tokenizer.h"

namespace acgs {

inline constexpr const char* kConstitutionalHash = "cdd01ef066bc6cf2";
inline constexpr int kDefaultTokenBudget = 16384;

struct EngineOptions {
  // Empty or "auto": the fallback chain, unless $ACGS_BACKEND names a backend. Any other value (or
  // $ACGS_BACKEND) is that backend only: if it cannot run, open() throws Error(kUnavailable).
  std::string backend;
  std::string plan_path;     // CUDA engine plan; empty = the cache path (engine/plan_cache.h)
  bool allow_int8 = false;   // put cpu-int8 in the chain (it trades accuracy for speed)
  bool build_plan = true;    // build a missing or stale plan when a GPU is present
  bool self_check = true;
  int threads = 0;           // CPU threads; 0 = physical cores
  int max_batch = 64;        // sequences per backend call
  int max_seq = 128;         // longest sequence the CUDA plan must serve
  int token_budget = kDefaultTokenBudget;  // tokens per backend call (a longer single sequence still runs)
};

inline constexpr int kDefaultMaxLength = 128;

struct EmbedOptions {
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  int max_length = kDefaultMaxLength;  // tokens per text, [CLS] and [SEP] included
};

// One backend as the chain saw it (status JSON "backends").
struct BackendAttempt {
  std::string name;
  bool compiled = false;
  bool available = false;
  std::string state;      // "active", "skipped", "not tried", "not in chain"
  std::string reason;     // why not available / why skipped; empty for the active one
  std::string precision;  // fp32 | fp16 | int8
  std::string device;
  std::string notes;      // BackendInfo::notes of the active backend
};

struct PlanState {
  std::string path;      // empty when no plan applies (no GPU and no --plan)
  bool exists = false;
  bool valid = false;
  bool built = false;    // built by this open()
  std::string why_invalid;
  std::string rebuilt_because;  // what was wrong with the plan this open() replaced
};

class Engine {
 public:
  // `model`: a model directory (HF layout, or optimum layout with model.onnx), a .onnx file, or empty /
  // "default" for the embedded default model. Throws Error(kInvalidModel) for a model that cannot be
  // read, Error(kUnavailable) when an explicitly requested backend cannot run.
  static std::unique_ptr<Engine> open(const std::string& model, const EngineOptions& options = {});
  ~Engine();

  // "none" when no backend could run.
  std::string active_backend() const;
  Backend* backend() const { return backend_.get(); }
  std::shared_ptr<Backend> shared_backend() const { return backend_; }
  const ModelConfig& config() const;
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  std::shared_ptr<const Tokenizer> shared_tokenizer() const { return tokenizer_; }
  const ModelFiles& files() const { return files_; }
  const SentenceConfig& sentence_config() const { return sentence_; }
  // What the model's files ask for: a sentence-transformers directory's pooling, Normalize module and
  // max_seq_length (capped at the model's positions); otherwise mean pooling, no normalization, 128 tokens.
  // The default of every caller that does not choose (embed, serve, the Python module).
  EmbedOptions embed_defaults() const;
  const std::string& model_sha256() const { return sha256_; }
  const std::vector<BackendAttempt>& backends() const { return attempts_; }
  const PlanState& plan() const { return plan_; }
  const EngineOptions& options() const { return options_; }

  // Thread-safe; no lock is held around a forward pass. Sequences are sorted by length and cut into
  // backend calls of at most options().max_batch sequences and token_budget tokens; results come back in
  // input order. Error(kUnavailable) in the "none" state.
  // hidden: [batch.total_tokens(), dim], packed like batch.
  void forward(const TokenBatch& batch, std::span<float> hidden) const;
  std::vector<float> forward(const TokenBatch& batch) const;
  // pooled: [texts.size(), dim].
  void embed(std::span<const std::string> texts, const EmbedOptions& options, std::span<float> pooled) const;
  std::vector<float> embed(std::span<const std::string> texts, const EmbedOptions& options = {}) const;
  void embed_tokens(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) const;

  // Error(kUnavailable) listing every backend's reason when the engine is in the "none" state.
  void require_backend() const;

  // get_optimization_status(): what `acgs-infer status` prints and GET /v1/status serves.
  nlohmann::ordered_json status_json() const;

 private:
  Engine() = default;

  EngineOptions options_;
  ModelFiles files_;
  SentenceConfig sentence_;
  std::string sha256_;
  std::shared_ptr<const ModelWeights> weights_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::shared_ptr<Backend> backend_;
  std::string active_;
  std::vector<BackendAttempt> attempts_;
  PlanState plan_;
};

// "mean" | "cls" | "max" as the enum; Error(kInvalidArgument) for another name.
Pooling pooling_from_name(const std::string& name);

// The backend name requested by options or $ACGS_BACKEND; empty = automatic.
std::string requested_backend(const EngineOptions& options);

}  // namespace acgs
