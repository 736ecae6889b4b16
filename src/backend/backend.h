#pragma once
// The one narrow interface every backend (reference, cpu, cpu-int8, cuda-fp32, cuda-fp16) implements.
// Input is a packed TokenBatch (no padding); output is packed too.
#include <memory>
#include <span>
#include <string>

#include "model/token_batch.h"
#include "model/weights.h"

namespace acgs {

// kMax: the element-wise maximum over a sequence's tokens (sentence-transformers' pooling_mode_max_tokens).
enum class Pooling { kMean, kCls, kMax };

struct BackendInfo {
  std::string name;       // "reference", "cpu", "cpu-int8", "cuda-fp32", "cuda-fp16"
  std::string precision;  // "fp32", "int8", "fp16"
  std::string device;     // CPU model name or GPU name
  std::string notes = {};  // choices the backend made at startup (CUDA: which attention kernel and why)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendInfo info() const = 0;
  virtual const ModelConfig& config() const = 0;

  // hidden: [batch.total_tokens(), dim], the last_hidden_state of every token, packed like batch.ids.
  // Thread-safe: concurrent callers are allowed (each backend owns its per-call workspaces).
  // Throws Error(kInvalidArgument) for an empty sequence, a token id outside the vocabulary, a sequence
  // longer than max_position_embeddings, or an output span of the wrong size.
  virtual void forward(const TokenBatch& batch, std::span<float> hidden) = 0;

  // pooled: [batch.size(), dim]. The default runs forward() then pools on the host; device backends
  // override it to pool on the device and copy back only the pooled rows.
  virtual void embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled);
};

// Validation shared by every backend's forward()/embed(); throws Error(kInvalidArgument).
void check_batch(const TokenBatch& batch, const ModelConfig& config);
void check_output(std::span<const float> out, size_t expected, const char* what);

}  // namespace acgs
