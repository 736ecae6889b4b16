#pragma once
// Per-op GPU time of the forward pass, for finding where the time goes (ACGS_CUDA_PROFILE=1). Profiled
// runs are enqueued directly (no graph) behind a hold kernel, with one CUDA event after each op; the time
// of an op is the interval between the event before it and its own. The table is printed to stderr when the
// backend is destroyed, one per run shape, so the startup self-check does not mix with the measured shape.
// Off by default: the normal path takes no event and no branch per op beyond a null check.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace acgs::cuda {

enum class Op : int {
  kUpload,      // batch description, host to device
  kEmbed,       // embeddings + LayerNorm
  kQkv,         // merged QKV GEMM + bias
  kAttention,   // fused attention
  kAttnOut,     // out_lin GEMM + bias
  kAddLn1,      // residual + sa_layer_norm
  kFfn1,        // lin1 GEMM + bias (+ GELU where fused)
  kGelu,        // separate GELU kernel (fp32 mode)
  kFfn2,        // lin2 GEMM + bias
  kAddLn2,      // residual + output_layer_norm
  kOutput,      // pooling or fp16 -> fp32 widening
  kDownload,    // result, device to host
};
inline constexpr int kOps = int(Op::kDownload) + 1;
const char* op_name(Op op);

// The events of one profiled run on one stream, reused run after run; owned by an execution context.
class OpTimeline {
 public:
  OpTimeline();
  ~OpTimeline();
  OpTimeline(const OpTimeline&) = delete;
  OpTimeline& operator=(const OpTimeline&) = delete;

  // Holds the stream (see kernels/hold.h) and records the starting event.
  void start(cudaStream_t stream);
  // Records the end of `op`.
  void mark(cudaStream_t stream, Op op);
  // Lets the held stream run: call once everything of the run is enqueued.
  void release();
  // After the stream has synchronized: microseconds per op of this run, and from start to the last mark.
  void elapsed_us(double (&per_op)[kOps], double& span) const;

 private:
  void record(cudaStream_t stream);  // the next event, created on first use

  std::vector<cudaEvent_t> events_;  // [0] = start, [i] = end of ops_[i - 1]
  std::vector<Op> ops_;
  size_t used_ = 0;
  int* flag_ = nullptr;         // mapped page-locked host memory
  int* device_flag_ = nullptr;  // its device address
};

// Totals over many runs, per shape label. Thread-safe.
class OpProfile {
 public:
  void add(const std::string& shape, const OpTimeline& timeline, double host_enqueue_us);
  // One table per shape: op, us per run, share of the GPU span; then GPU span and host enqueue time.
  std::string table(const std::string& title) const;

 private:
  struct Totals {
    long runs = 0;
    double op_us[kOps] = {};
    double span_us = 0, host_enqueue_us = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Totals> shapes_;
};

// Whether ACGS_CUDA_PROFILE asks for profiling (set and not "0").
bool profiling_requested();

}  // namespace acgs::cuda
