#include "backend/cuda/algo_table.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/event_pair.h"
#include "backend/cuda/token_buckets.h"
#include "common/error.h"

namespace acgs::cuda {
namespace {

constexpr int kTuneCandidates = 8;
constexpr int kWarmupRuns = 2;
constexpr int kTimedRuns = 9;
constexpr GemmKind kKinds[kGemmKinds] = {GemmKind::kQkv, GemmKind::kAttnOut, GemmKind::kFfn1, GemmKind::kFfn2};

[[noreturn]] void no_algorithm(GemmKind kind, const GemmShape& s) {
  fail(ErrorKind::kUnavailable, std::string("cuBLASLt has no algorithm for the ") + gemm_name(kind) + " GEMM (" +
                                    std::to_string(s.tokens) + " x " + std::to_string(s.out) + " x " +
                                    std::to_string(s.in) + ") on this GPU: use the cpu backend");
}

// Median time in microseconds of `algo` on this shape, or a negative value when the algorithm fails to
// run (the heuristic's candidates are not guaranteed to launch, e.g. for unusual alignments).
float time_algo(const LtGemm& gemm, const GemmShape& shape, const cublasLtMatmulAlgo_t& algo,
                const GemmOperands& ops, int k, cudaStream_t stream, void* workspace) {
  try {
    auto run = [&] { gemm.run(stream, shape, algo, ops.x[k], ops.w[k], ops.bias[k], ops.y[k], workspace); };
    for (int i = 0; i < kWarmupRuns; ++i) run();
    std::vector<EventPair> events(kTimedRuns);
    for (auto& e : events) {
      ACGS_CUDA(cudaEventRecord(e.start(), stream));
      run();
      ACGS_CUDA(cudaEventRecord(e.stop(), stream));
    }
    ACGS_CUDA(cudaStreamSynchronize(stream));
    std::vector<float> ms(kTimedRuns);
    for (int i = 0; i < kTimedRuns; ++i) ms[i] = events[i].elapsed_ms();
    std::nth_element(ms.begin(), ms.begin() + kTimedRuns / 2, ms.end());
    return ms[kTimedRuns / 2] * 1000.0f;
  } catch (const Error&) {
    // cuBLASLt rejected this candidate at launch (it may not fit the operands' alignment): skip it.
    cudaGetLastError();
    ACGS_CUDA(cudaStreamSynchronize(stream));
    return -1.0f;
  }
}

}  // namespace

GemmShape gemm_shape(const ModelConfig& config, GemmKind kind, int tokens, cudaDataType_t type) {
  const cublasLtEpilogue_t epilogue = gemm_epilogue(kind, type);
  switch (kind) {
    case GemmKind::kQkv: return {tokens, 3 * config.dim, config.dim, epilogue};
    case GemmKind::kAttnOut: return {tokens, config.dim, config.dim, epilogue};
    case GemmKind::kFfn1: return {tokens, config.hidden_dim, config.dim, epilogue};
    case GemmKind::kFfn2: return {tokens, config.dim, config.hidden_dim, epilogue};
  }
  return {};
}

AlgoTable AlgoTable::from_heuristic(const LtGemm& gemm, const ModelConfig& config, int capacity,
                                    const GemmOperands& ops) {
  AlgoTable table;
  table.type_ = gemm.type();
  table.buckets_ = token_buckets(capacity);
  for (int tokens : table.buckets_)
    for (int k = 0; k < kGemmKinds; ++k) {
      const GemmShape shape = gemm_shape(config, kKinds[k], tokens, table.type_);
      const auto found = gemm.candidates(shape, ops.bias[k], 1);
      if (found.empty()) no_algorithm(kKinds[k], shape);
      table.algos_.push_back(found.front());
      table.time_us_.push_back(0.0f);
    }
  return table;
}

AlgoTable AlgoTable::autotune(const LtGemm& gemm, const ModelConfig& config, int capacity, const GemmOperands& ops,
                              cudaStream_t stream, void* workspace) {
  AlgoTable table;
  table.type_ = gemm.type();
  table.buckets_ = token_buckets(capacity);
  for (int tokens : table.buckets_)
    for (int k = 0; k < kGemmKinds; ++k) {
      const GemmShape shape = gemm_shape(config, kKinds[k], tokens, table.type_);
      float best_us = -1.0f;
      cublasLtMatmulAlgo_t best{};
      for (const auto& algo : gemm.candidates(shape, ops.bias[k], kTuneCandidates)) {
        const float us = time_algo(gemm, shape, algo, ops, k, stream, workspace);
        if (us >= 0.0f && (best_us < 0.0f || us < best_us)) {
          best_us = us;
          best = algo;
        }
      }
      if (best_us < 0.0f) no_algorithm(kKinds[k], shape);
      table.algos_.push_back(best);
      table.time_us_.push_back(best_us);
    }
  return table;
}

AlgoTable AlgoTable::from_plan(const LtGemm& gemm, const ModelConfig& config, int capacity,
                               const GemmOperands& ops, const std::vector<plan::GemmAlgo>& algos) {
  std::map<std::pair<std::string, int>, const plan::GemmAlgo*> by_key;
  for (const auto& a : algos) by_key[{a.gemm, a.m}] = &a;
  AlgoTable table;
  table.type_ = gemm.type();
  table.buckets_ = token_buckets(capacity);
  for (int tokens : table.buckets_)
    for (int k = 0; k < kGemmKinds; ++k) {
      const GemmShape shape = gemm_shape(config, kKinds[k], tokens, table.type_);
      const std::string entry = std::string(gemm_name(kKinds[k])) + " GEMM at " + std::to_string(tokens) + " tokens";
      const auto it = by_key.find({gemm_name(kKinds[k]), tokens});
      if (it == by_key.end())
        fail(ErrorKind::kInvalidModel, "engine plan has no algorithm for the " + entry +
                                           ": rebuild it with `acgs-infer optimize`");
      const plan::GemmAlgo& stored = *it->second;
      cublasLtMatmulAlgo_t algo;
      static_assert(sizeof(algo) == sizeof(stored.algo), "cublasLtMatmulAlgo_t is 8 x uint64");
      std::memcpy(&algo, stored.algo.data(), sizeof(algo));
      if (stored.epilogue != uint32_t(shape.epilogue))
        fail(ErrorKind::kInvalidModel, "engine plan's algorithm for the " + entry + " was tuned for epilogue " +
                                           std::to_string(stored.epilogue) + ", this build uses " +
                                           std::to_string(int(shape.epilogue)) +
                                           " (plan from an older acgs-infer): rebuild it with `acgs-infer optimize`");
      if (stored.n != shape.out || stored.k != shape.in || !gemm.supports(shape, ops.bias[k], algo))
        fail(ErrorKind::kInvalidModel, "engine plan's algorithm for the " + entry +
                                           " does not fit this model or GPU: rebuild it with `acgs-infer optimize`");
      table.algos_.push_back(algo);
      table.time_us_.push_back(stored.time_us);
    }
  return table;
}

std::vector<plan::GemmAlgo> AlgoTable::to_plan(const ModelConfig& config) const {
  std::vector<plan::GemmAlgo> out;
  for (size_t b = 0; b < buckets_.size(); ++b)
    for (int k = 0; k < kGemmKinds; ++k) {
      const GemmShape shape = gemm_shape(config, kKinds[k], buckets_[b], type_);
      plan::GemmAlgo a;
      a.gemm = gemm_name(kKinds[k]);
      a.m = shape.tokens;
      a.n = shape.out;
      a.k = shape.in;
      a.epilogue = uint32_t(shape.epilogue);
      std::memcpy(a.algo.data(), &algos_[b * kGemmKinds + k], sizeof(a.algo));
      a.workspace_bytes = kGemmWorkspaceBytes;
      a.time_us = time_us_[b * kGemmKinds + k];
      out.push_back(a);
    }
  return out;
}

}  // namespace acgs::cuda
