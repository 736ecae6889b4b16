#include "backend/cuda/attention_choice.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <utility>
#include <vector>

#include "backend/cuda/device_memory.h"
#include "backend/cuda/event_pair.h"
#include "backend/cuda/kernels/attention.h"
#include "common/error.h"

namespace acgs::cuda {
namespace {

// Both kernels round P and the output to fp16; on the probe's inputs (|v| <= √3, so |output| <= √3, fp16 ulp
// 1e-3 there) they agree to a few ulps. A fragment-layout or masking bug gives errors of order 0.1-1.
constexpr double kTolerance = 1e-2;
// mma replaces WMMA only when it is faster at the throughput probe (32 x 128) and at most this much slower at
// batch 1 (1 x 128).
constexpr double kBatch1Slack = 1.10;
constexpr int kWarmupRuns = 2;
constexpr int kTimedRuns = 9;

// A packed batch of the given lengths on the device; attention reads only counts and offsets.
class ProbeBatch {
 public:
  explicit ProbeBatch(const std::vector<int>& lengths) {
    std::vector<int> ints = {0, int(lengths.size()), 0};
    for (int len : lengths) ints.push_back(ints.back() + len);
    ints[0] = ints.back();
    tokens_ = ints[0];
    sequences_ = int(lengths.size());
    longest_ = *std::max_element(lengths.begin(), lengths.end());
    ints_ = DeviceBuffer<int>(ints.size());
    ACGS_CUDA(cudaMemcpy(ints_.get(), ints.data(), ints.size() * sizeof(int), cudaMemcpyHostToDevice));
    ACGS_CUDA(cudaDeviceSynchronize());  // see device_halves
  }
  DeviceBatch view() const { return {ints_.get(), ints_.get() + 2, nullptr}; }
  int tokens() const { return tokens_; }
  int sequences() const { return sequences_; }
  int max_len() const { return (longest_ + 63) / 64 * 64; }

 private:
  DeviceBuffer<int> ints_;
  int tokens_ = 0, sequences_ = 0, longest_ = 0;
};

// Synchronous with respect to every stream: a pageable cudaMemcpy may return before its DMA lands, and
// the kernels run on the context's non-blocking stream.
DeviceBuffer<__half> device_halves(const std::vector<float>& host) {
  std::vector<__half> h(host.size());
  for (size_t i = 0; i < host.size(); ++i) h[i] = __float2half_rn(host[i]);
  DeviceBuffer<__half> d(h.size());
  ACGS_CUDA(cudaMemcpy(d.get(), h.data(), h.size() * sizeof(__half), cudaMemcpyHostToDevice));
  ACGS_CUDA(cudaDeviceSynchronize());
  return d;
}

std::vector<float> host_floats(const DeviceBuffer<__half>& d) {
  std::vector<__half> h(d.size());
  ACGS_CUDA(cudaMemcpy(h.data(), d.get(), d.bytes(), cudaMemcpyDeviceToHost));
  std::vector<float> f(h.size());
  for (size_t i = 0; i < h.size(); ++i) f[i] = __half2float(h[i]);
  return f;
}

// One probe batch with random unit-variance Q, K, V (uniform on [-√3, √3]: a plain LCG keeps the millions
// of values cheap at every backend creation) and an output per kernel.
struct Probe {
  Probe(const std::vector<int>& lengths, int n_heads, int head_dim, uint32_t seed)
      : batch(lengths), dim(n_heads * head_dim) {
    std::vector<float> host(size_t(batch.tokens()) * 3 * dim);
    uint32_t state = seed;
    for (float& x : host) {
      state = state * 1664525u + 1013904223u;
      x = (float(state >> 8) * (2.0f / 16777216.0f) - 1.0f) * 1.7320508f;
    }
    qkv = device_halves(host);
  }
  // Output of `kernel`, starting from NaN so an element it leaves unwritten fails the comparison.
  DeviceBuffer<__half> run(AttentionKernel kernel, int n_heads, int head_dim, cudaStream_t stream) const {
    DeviceBuffer<__half> out = device_halves(std::vector<float>(size_t(batch.tokens()) * dim, NAN));
    launch_fp16_attention(kernel, stream, batch.view(), batch.sequences(), batch.max_len(), qkv.get(), n_heads,
                          head_dim, out.get());
    ACGS_CUDA(cudaStreamSynchronize(stream));
    return out;
  }
  // Median microseconds of one launch.
  double time_us(AttentionKernel kernel, int n_heads, int head_dim, cudaStream_t stream) const {
    DeviceBuffer<__half> out(size_t(batch.tokens()) * dim);
    auto launch = [&] {
      launch_fp16_attention(kernel, stream, batch.view(), batch.sequences(), batch.max_len(), qkv.get(), n_heads,
                            head_dim, out.get());
    };
    for (int i = 0; i < kWarmupRuns; ++i) launch();
    std::vector<EventPair> events(kTimedRuns);
    for (EventPair& e : events) {
      ACGS_CUDA(cudaEventRecord(e.start(), stream));
      launch();
      ACGS_CUDA(cudaEventRecord(e.stop(), stream));
    }
    ACGS_CUDA(cudaStreamSynchronize(stream));
    std::vector<double> us;
    for (const EventPair& e : events) us.push_back(1000.0 * e.elapsed_ms());
    std::nth_element(us.begin(), us.begin() + kTimedRuns / 2, us.end());
    return us[kTimedRuns / 2];
  }

  ProbeBatch batch;
  int dim;
  DeviceBuffer<__half> qkv;
};

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (!(d <= worst)) worst = std::isnan(d) ? INFINITY : d;
  }
  return worst;
}

std::string num(double v) {
  std::ostringstream out;
  out.precision(3);
  out << v;
  return out.str();
}

AttentionChoice choice(AttentionKernel kernel, std::string reason, bool fell_back = false) {
  AttentionChoice c;
  c.kernel = kernel;
  c.reason = std::move(reason);
  c.fell_back = fell_back;
  return c;
}

AttentionChoice probe(int n_heads, int head_dim, cudaStream_t stream) {
  // Odd lengths around the 64-row tiles, a single token, and the model's longest; then the timing shapes.
  const Probe odd({1, 7, 63, 64, 65, 128, 200, 512}, n_heads, head_dim, 1);
  const Probe big(std::vector<int>(32, 128), n_heads, head_dim, 2);
  const Probe one({128}, n_heads, head_dim, 3);
  double diff = 0;
  for (const Probe* p : {&odd, &big})
    diff = std::max(diff, max_abs_diff(host_floats(p->run(AttentionKernel::kMma, n_heads, head_dim, stream)),
                                       host_floats(p->run(AttentionKernel::kWmma, n_heads, head_dim, stream))));
  if (!(diff <= kTolerance))
    return choice(AttentionKernel::kWmma,
                  "wmma: the mma kernel does not match it (max abs " + num(diff) + " > " + num(kTolerance) +
                      " on the probe batches)",
                  true);
  const double mma_big = big.time_us(AttentionKernel::kMma, n_heads, head_dim, stream);
  const double wmma_big = big.time_us(AttentionKernel::kWmma, n_heads, head_dim, stream);
  const double mma_one = one.time_us(AttentionKernel::kMma, n_heads, head_dim, stream);
  const double wmma_one = one.time_us(AttentionKernel::kWmma, n_heads, head_dim, stream);
  const std::string timing = "32x128: mma " + num(mma_big) + " us, wmma " + num(wmma_big) + " us; 1x128: mma " +
                             num(mma_one) + " us, wmma " + num(wmma_one) + " us; outputs match, max abs " + num(diff);
  if (mma_big < wmma_big && mma_one <= wmma_one * kBatch1Slack)
    return choice(AttentionKernel::kMma, "mma (" + timing + ")");
  return choice(AttentionKernel::kWmma, "wmma: mma not faster (" + timing + ")");
}

}  // namespace

AttentionChoice choose_fp16_attention(int n_heads, int head_dim, cudaStream_t stream) {
  const char* env = std::getenv("ACGS_CUDA_ATTENTION");
  const std::string mode = env && *env ? env : "auto";
  if (mode == "wmma") return choice(AttentionKernel::kWmma, "wmma (forced by ACGS_CUDA_ATTENTION)");
  if (mode == "mma") {
    prepare_attention_fp16_mma(head_dim);
    return choice(AttentionKernel::kMma, "mma (forced by ACGS_CUDA_ATTENTION)");
  }
  if (mode != "auto")
    fail(ErrorKind::kInvalidArgument, "ACGS_CUDA_ATTENTION='" + mode + "' is not one of auto, wmma, mma");
  try {
    prepare_attention_fp16_mma(head_dim);
    return probe(n_heads, head_dim, stream);
  } catch (const Error& e) {
    // A launch or resource error of the new kernel: the verified kernel still works.
    cudaGetLastError();
    return choice(AttentionKernel::kWmma, std::string("wmma: the mma kernel failed its probe: ") + e.what(), true);
  }
}

void launch_fp16_attention(AttentionKernel kernel, cudaStream_t stream, const DeviceBatch& batch, int seq_capacity,
                           int max_len, const __half* qkv, int n_heads, int head_dim, __half* ctx) {
  if (kernel == AttentionKernel::kMma)
    launch_attention_fp16_mma(stream, batch, seq_capacity, max_len, qkv, n_heads, head_dim, ctx);
  else
    launch_attention<__half>(stream, batch, seq_capacity, max_len, qkv, n_heads, head_dim, ctx);
}

}  // namespace acgs::cuda
