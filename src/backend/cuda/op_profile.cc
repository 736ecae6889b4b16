#include "backend/cuda/op_profile.h"

#include <cstdio>
#include <cstdlib>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/hold.h"

namespace acgs::cuda {
namespace {

// Long enough for the host to enqueue a whole forward pass (~60 launches), short enough that a missed
// release costs little.
constexpr unsigned long long kHoldTimeoutNs = 50'000'000;

}  // namespace

const char* op_name(Op op) {
  static const char* const kNames[kOps] = {"upload (H2D)", "embed+LN", "QKV GEMM", "attention", "out-proj GEMM",
                                           "add+LN (attn)", "FFN1 GEMM", "GELU", "FFN2 GEMM", "add+LN (ffn)",
                                           "pool / to fp32", "download (D2H)"};
  return kNames[int(op)];
}

bool profiling_requested() {
  const char* v = std::getenv("ACGS_CUDA_PROFILE");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

OpTimeline::OpTimeline() {
  ACGS_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&flag_), sizeof(int), cudaHostAllocMapped));
  ACGS_CUDA(cudaHostGetDevicePointer(reinterpret_cast<void**>(&device_flag_), flag_, 0));
}

OpTimeline::~OpTimeline() {
  for (cudaEvent_t e : events_) cudaEventDestroy(e);
  if (flag_) cudaFreeHost(flag_);
}

void OpTimeline::start(cudaStream_t stream) {
  used_ = 0;
  ops_.clear();
  *static_cast<volatile int*>(flag_) = 0;
  launch_hold(stream, device_flag_, kHoldTimeoutNs);
  record(stream);
}

void OpTimeline::mark(cudaStream_t stream, Op op) {
  record(stream);
  ops_.push_back(op);
}

void OpTimeline::record(cudaStream_t stream) {
  if (used_ == events_.size()) {
    cudaEvent_t e = nullptr;
    ACGS_CUDA(cudaEventCreate(&e));
    events_.push_back(e);
  }
  ACGS_CUDA(cudaEventRecord(events_[used_++], stream));
}

void OpTimeline::release() { *static_cast<volatile int*>(flag_) = 1; }

void OpTimeline::elapsed_us(double (&per_op)[kOps], double& span) const {
  for (double& v : per_op) v = 0;
  span = 0;
  for (size_t i = 0; i < ops_.size(); ++i) {
    float ms = 0;
    ACGS_CUDA(cudaEventElapsedTime(&ms, events_[i], events_[i + 1]));
    per_op[int(ops_[i])] += 1000.0 * ms;
    span += 1000.0 * ms;
  }
}

void OpProfile::add(const std::string& shape, const OpTimeline& timeline, double host_enqueue_us) {
  double per_op[kOps], span = 0;
  timeline.elapsed_us(per_op, span);
  std::lock_guard lock(mutex_);
  Totals& t = shapes_[shape];
  ++t.runs;
  for (int i = 0; i < kOps; ++i) t.op_us[i] += per_op[i];
  t.span_us += span;
  t.host_enqueue_us += host_enqueue_us;
}

std::string OpProfile::table(const std::string& title) const {
  std::lock_guard lock(mutex_);
  std::string out;
  char line[256];
  for (const auto& [shape, t] : shapes_) {
    const double runs = double(t.runs);
    std::snprintf(line, sizeof line, "== acgs cuda profile: %s, %s, %ld runs (direct launches, stream held) ==\n",
                  title.c_str(), shape.c_str(), t.runs);
    out += line;
    std::snprintf(line, sizeof line, "  %-16s %12s %12s %7s\n", "op", "total us", "us/run", "share");
    out += line;
    for (int i = 0; i < kOps; ++i) {
      if (t.op_us[i] == 0) continue;
      std::snprintf(line, sizeof line, "  %-16s %12.1f %12.2f %6.1f%%\n", op_name(Op(i)), t.op_us[i],
                    t.op_us[i] / runs, t.span_us > 0 ? 100.0 * t.op_us[i] / t.span_us : 0.0);
      out += line;
    }
    std::snprintf(line, sizeof line, "  %-16s %12.1f %12.2f %6.1f%%\n", "GPU span", t.span_us, t.span_us / runs,
                  100.0);
    out += line;
    std::snprintf(line, sizeof line, "  %-16s %12.1f %12.2f   (host time to enqueue one run)\n", "host enqueue",
                  t.host_enqueue_us, t.host_enqueue_us / runs);
    out += line;
  }
  return out;
}

}  // namespace acgs::cuda
