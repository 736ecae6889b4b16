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

// Heuristic candidates timed per entry: more where the GEMM is small, since the heuristic's order is least
// reliable there (tile shape vs split-K over 132 SMs) and each timing costs microseconds, not milliseconds.
constexpr int kTuneCandidates = 8;
constexpr int kSmallTuneCandidates = 16;
constexpr int kSmallTokens = 512;
constexpr int kSplitKBases = 4;
// Each candidate runs kGraphGemms times back to back inside one CUDA graph, timed over kTimedLaunches graph
// launches (median) after one warm-up launch.
constexpr int kGraphGemms = 4;
constexpr int kTimedLaunches = 3;
constexpr GemmKind kKinds[kGemmKinds] = {GemmKind::kQkv, GemmKind::kAttnOut, GemmKind::kFfn1, GemmKind::kFfn2};

[[noreturn]] void no_algorithm(GemmKind kind, const GemmShape& s) {
  fail(ErrorKind::kUnavailable, std::string("cuBLASLt has no algorithm for the ") + gemm_name(kind) + " GEMM (" +
                                    std::to_string(s.tokens) + " x " + std::to_string(s.out) + " x " +
                                    std::to_string(s.in) + ") on this GPU: use the cpu backend");
}

// A captured graph and its executable, destroyed on scope exit.
struct TimingGraph {
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  ~TimingGraph() {
    if (exec) cudaGraphExecDestroy(exec);
    if (graph) cudaGraphDestroy(graph);
  }
};

// Median GPU microseconds of one run of `algo` on this shape, or a negative value when the algorithm fails
// to run (the heuristic's candidates are not guaranteed to launch, e.g. for unusual alignments).
// The runs are replayed from a CUDA graph because an event pair around a direct cublasLtMatmul call measures
// the host's time to build the descriptors and enqueue the call (~11-13 us on the H100 run for every shape
// up to ~2k tokens) instead of the kernel's; in the forward's graph the GEMMs also run back to back.
float time_algo(const LtGemm& gemm, const GemmShape& shape, const cublasLtMatmulAlgo_t& algo,
                const GemmOperands& ops, int k, cudaStream_t stream, void* workspace) {
  TimingGraph g;
  try {
    auto run = [&] { gemm.run(stream, shape, algo, ops.x[k], ops.w[k], ops.bias[k], ops.y[k], workspace); };
    // One direct run first, so the kernel's module is loaded outside the capture (as CudaBackend does).
    run();
    ACGS_CUDA(cudaStreamSynchronize(stream));
    ACGS_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      for (int i = 0; i < kGraphGemms; ++i) run();
    } catch (...) {
      if (cudaStreamEndCapture(stream, &g.graph) != cudaSuccess) g.graph = nullptr;
      throw;
    }
    ACGS_CUDA(cudaStreamEndCapture(stream, &g.graph));
    ACGS_CUDA(cudaGraphInstantiate(&g.exec, g.graph, 0));
    ACGS_CUDA(cudaGraphLaunch(g.exec, stream));
    std::vector<EventPair> events(kTimedLaunches);
    for (auto& e : events) {
      ACGS_CUDA(cudaEventRecord(e.start(), stream));
      ACGS_CUDA(cudaGraphLaunch(g.exec, stream));
      ACGS_CUDA(cudaEventRecord(e.stop(), stream));
    }
    ACGS_CUDA(cudaStreamSynchronize(stream));
    std::vector<float> ms(kTimedLaunches);
    for (int i = 0; i < kTimedLaunches; ++i) ms[i] = events[i].elapsed_ms();
    std::nth_element(ms.begin(), ms.begin() + kTimedLaunches / 2, ms.end());
    return ms[kTimedLaunches / 2] * 1000.0f / kGraphGemms;
  } catch (const Error&) {
    // cuBLASLt rejected this candidate at launch or capture (it may not fit the operands' alignment): skip it.
    cudaGetLastError();
    ACGS_CUDA(cudaStreamSynchronize(stream));
    return -1.0f;
  }
}

// The heuristic's first choice, untimed.
std::pair<cublasLtMatmulAlgo_t, float> first_choice(const LtGemm& gemm, GemmKind kind, const GemmShape& shape,
                                                    const GemmOperands& ops) {
  const auto found = gemm.candidates(shape, ops.bias[int(kind)], 1);
  if (found.empty()) no_algorithm(kind, shape);
  return {found.front(), 0.0f};
}

// The fastest of the heuristic's candidates for one entry (split-K only with fp32 partial sums), plus
// split-K variants of its first kSplitKBases candidates for small shapes, and its time.
std::pair<cublasLtMatmulAlgo_t, float> fastest(const LtGemm& gemm, GemmKind kind, const GemmShape& shape,
                                               const GemmOperands& ops, cudaStream_t stream, void* workspace) {
  const int k = int(kind);
  const bool small = shape.tokens <= kSmallTokens;
  std::vector<cublasLtMatmulAlgo_t> algos =
      gemm.candidates(shape, ops.bias[k], small ? kSmallTuneCandidates : kTuneCandidates, true);
  for (size_t i = 0, bases = algos.size(); small && i < bases && i < size_t(kSplitKBases); ++i)
    for (const auto& v : gemm.split_k_variants(shape, ops.bias[k], algos[i])) algos.push_back(v);
  float best_us = -1.0f;
  cublasLtMatmulAlgo_t best{};
  for (const auto& algo : algos) {
    const float us = time_algo(gemm, shape, algo, ops, k, stream, workspace);
    if (us >= 0.0f && (best_us < 0.0f || us < best_us)) {
      best_us = us;
      best = algo;
    }
  }
  if (best_us >= 0.0f) return {best, best_us};
  // Nothing could be timed (e.g. graph capture unavailable): the heuristic's first choice, untimed, as
  // before tuning existed, rather than no backend at all.
  return first_choice(gemm, kind, shape, ops);
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

AlgoTable AlgoTable::autotune(const LtGemm& gemm, const ModelConfig& config, int capacity, const GemmOperands& ops,
                              cudaStream_t stream, void* workspace, int max_tuned_tokens) {
  AlgoTable table;
  table.type_ = gemm.type();
  table.buckets_ = token_buckets(capacity);
  for (int tokens : table.buckets_)
    for (int k = 0; k < kGemmKinds; ++k) {
      const GemmShape shape = gemm_shape(config, kKinds[k], tokens, table.type_);
      const auto [algo, us] = tokens <= max_tuned_tokens ? fastest(gemm, kKinds[k], shape, ops, stream, workspace)
                                                         : first_choice(gemm, kKinds[k], shape, ops);
      table.algos_.push_back(algo);
      table.time_us_.push_back(us);
    }
  return table;
}

int AlgoTable::untimed(int max_tokens) const {
  int n = 0;
  for (size_t b = 0; b < buckets_.size() && buckets_[b] <= max_tokens; ++b)
    for (int k = 0; k < kGemmKinds; ++k) n += time_us_[b * kGemmKinds + k] <= 0.0f;
  return n;
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
