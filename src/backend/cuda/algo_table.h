#pragma once
// The cuBLASLt algorithm chosen for every (token bucket, GEMM) pair of a model and capacity. Built once per
// backend (from the heuristic, from autotuning, or from a plan) and read-only afterwards, so every execution
// context shares it without locks.
#include <cublasLt.h>

#include <vector>

#include "backend/cuda/lt_gemm.h"
#include "model/config.h"
#include "plan/plan_format.h"

namespace acgs::cuda {

// The shape and epilogue of GEMM `kind` at `tokens` rows for this model, in the mode storing `type`.
GemmShape gemm_shape(const ModelConfig& config, GemmKind kind, int tokens, cudaDataType_t type);

// Device pointers the tuner runs the GEMMs on: x and y large enough for every bucket, w and bias those of
// one layer per GEMM kind (contents only matter for timing, not for correctness).
struct GemmOperands {
  const void* x[kGemmKinds];
  const void* w[kGemmKinds];
  const void* bias[kGemmKinds];
  void* y[kGemmKinds];
};

// Token buckets an in-memory backend (no plan) autotunes at creation: 18 buckets x 4 GEMMs x <= 28 candidates
// (16 heuristic, 12 split-K), estimated well under a second on an H100; status/bench notes say it ran.
inline constexpr int kInMemoryTunedTokens = 512;

class AlgoTable {
 public:
  // Entries up to max_tuned_tokens rows: the fastest of up to 16 (<= 512 rows, plus split-K variants) or 8
  // heuristic candidates (split-K only with fp32 partial sums), timed as GPU time per GEMM from a CUDA graph
  // of back-to-back runs (median of several launches). Larger entries (all of them for max_tuned_tokens =
  // 0): cuBLASLt's first heuristic choice, untimed. Plans tune every bucket; an in-memory backend only the
  // small ones (latency-bound, where the heuristic's first choice is least reliable and each timing costs
  // microseconds).
  static AlgoTable autotune(const LtGemm& gemm, const ModelConfig& config, int capacity, const GemmOperands& ops,
                            cudaStream_t stream, void* workspace, int max_tuned_tokens);
  // The plan's algorithms, each checked with cublasLtMatmulAlgoCheck on this device; Error(kInvalidModel)
  // naming the entry when one is missing or unusable, or was tuned for another epilogue (fp16 plans written
  // before the FFN1 GEMM fused GELU record BIAS there and must be rebuilt).
  static AlgoTable from_plan(const LtGemm& gemm, const ModelConfig& config, int capacity, const GemmOperands& ops,
                             const std::vector<plan::GemmAlgo>& algos);

  std::vector<plan::GemmAlgo> to_plan(const ModelConfig& config) const;
  const cublasLtMatmulAlgo_t& at(int bucket_index, GemmKind kind) const {
    return algos_[size_t(bucket_index) * kGemmKinds + int(kind)];
  }
  int buckets() const { return int(buckets_.size()); }
  // Entries up to max_tokens rows that hold no time: autotune's fallback to the heuristic's first choice when
  // none of an entry's candidates could be timed, which the backend's notes report.
  int untimed(int max_tokens) const;

 private:
  cudaDataType_t type_ = CUDA_R_16F;        // the mode's storage type (decides the epilogues)
  std::vector<int> buckets_;                 // token buckets, ascending
  std::vector<cublasLtMatmulAlgo_t> algos_;  // [bucket][kind]
  std::vector<float> time_us_;               // [bucket][kind], 0 when not timed
};

}  // namespace acgs::cuda
