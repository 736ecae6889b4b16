#include "backend/cuda/cuda_backend.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "backend/cuda/encoder.h"
#include "common/error.h"

namespace acgs::cuda {

// Returns its context to the pool on scope exit, also when the call throws.
template <typename T>
class CudaBackend<T>::Lease {
 public:
  Lease(CudaBackend* owner, std::unique_ptr<ExecContext<T>> ctx) : owner_(owner), ctx_(std::move(ctx)) {}
  ~Lease() {
    if (ctx_) owner_->release(std::move(ctx_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ExecContext<T>& operator*() const { return *ctx_; }

 private:
  CudaBackend* owner_;
  std::unique_ptr<ExecContext<T>> ctx_;
};

template <typename T>
CudaBackend<T>::CudaBackend(DeviceModel<T> model, AlgoTable algos, AttentionKernel attention,
                            std::unique_ptr<ExecContext<T>> first, int device, BackendInfo info, bool use_graphs)
    : model_(std::move(model)),
      algos_(std::move(algos)),
      attention_(attention),
      capacity_(first->capacity),
      device_(device),
      info_(std::move(info)),
      use_graphs_(use_graphs) {
  idle_.push_back(std::move(first));
  created_ = 1;
  if (profiling_requested()) profile_ = std::make_unique<OpProfile>();
}

template <typename T>
CudaBackend<T>::~CudaBackend() {
  if (profile_) std::fputs(profile_->table(info_.name + " on " + info_.device).c_str(), stderr);
}

template <typename T>
typename CudaBackend<T>::Lease CudaBackend<T>::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || created_ < kMaxContexts; });
  if (!idle_.empty()) {
    auto ctx = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(ctx));
  }
  ++created_;
  lock.unlock();
  try {
    return Lease(this, std::make_unique<ExecContext<T>>(model_.config, capacity_));
  } catch (...) {
    lock.lock();
    --created_;
    available_.notify_one();
    throw;
  }
}

template <typename T>
void CudaBackend<T>::release(std::unique_ptr<ExecContext<T>> ctx) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(ctx));
  }
  available_.notify_one();
}

template <typename T>
void CudaBackend<T>::forward(const TokenBatch& batch, std::span<float> hidden) {
  check_batch(batch, config());
  check_output(hidden, size_t(batch.total_tokens()) * config().dim, "hidden");
  run(batch, RunOutput{}, hidden.data());
}

template <typename T>
void CudaBackend<T>::embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) {
  // The device pooling kernel does mean and CLS; max pooling runs on the host over the copied-back states.
  if (pooling == Pooling::kMax) return Backend::embed(batch, pooling, normalize, pooled);
  check_batch(batch, config());
  check_output(pooled, size_t(batch.size()) * config().dim, "pooled");
  run(batch, RunOutput{true, pooling, normalize}, pooled.data());
}

template <typename T>
void CudaBackend<T>::run(const TokenBatch& batch, const RunOutput& output, float* dst) {
  ACGS_CUDA(cudaSetDevice(device_));
  Lease lease = acquire();
  ExecContext<T>& ctx = *lease;
  for (int first = 0; first < batch.size();) {
    // Greedy pieces: as many whole sequences as the capacity holds (a single sequence always fits).
    int last = first + 1;
    while (last < batch.size() && last - first < capacity_.max_batch &&
           batch.offsets[last + 1] - batch.offsets[first] <= capacity_.tokens)
      ++last;
    const size_t count = run_piece(ctx, batch, first, last, output);
    const size_t row = output.pooled ? size_t(first) : size_t(batch.offsets[first]);
    std::memcpy(dst + row * config().dim, ctx.host_out.get(), count * sizeof(float));
    first = last;
  }
}

template <typename T>
size_t CudaBackend<T>::run_piece(ExecContext<T>& ctx, const TokenBatch& batch, int first, int last,
                                 const RunOutput& output) {
  const int tokens = batch.offsets[last] - batch.offsets[first];
  int longest = 0;
  for (int i = first; i < last; ++i) longest = std::max(longest, batch.length(i));
  const RunShape shape = run_shape(tokens, last - first, longest);
  const size_t count = size_t(output.pooled ? last - first : tokens) * config().dim;
  if (profile_) {
    run_profiled(ctx, batch, first, last, shape, output, count);
    return count;
  }
  const cudaStream_t stream = ctx.stream.get();

  ctx.upload_batch(batch, first, last);
  const bool graphs = use_graphs_.load(std::memory_order_relaxed);
  const uint64_t key = output.graph_key(shape);
  const cudaGraphExec_t graph = graphs ? ctx.graphs.find(key) : nullptr;
  if (graph)
    ACGS_CUDA(cudaGraphLaunch(graph, stream));
  else
    enqueue_forward(model_, algos_, attention_, ctx, shape, output);
  ACGS_CUDA(cudaMemcpyAsync(ctx.host_out.get(), output_source(ctx, output), count * sizeof(float),
                            cudaMemcpyDeviceToHost, stream));
  ACGS_CUDA(cudaStreamSynchronize(stream));
  // Capture only now, with the stream idle and every kernel and cuBLASLt module already loaded by the
  // direct run above: the next run of this bucket and output mode replays the graph.
  if (graphs && !graph) {
    try {
      capture(ctx, shape, output);
    } catch (const Error& e) {
      // Results are already correct without graphs; losing them costs only launch overhead, so degrade
      // loudly instead of failing every later call.
      if (use_graphs_.exchange(false))
        std::fprintf(stderr, "acgs-infer: CUDA graph capture failed, running %s without graphs: %s\n",
                     info_.name.c_str(), e.what());
    }
  }
  return count;
}

template <typename T>
void CudaBackend<T>::run_profiled(ExecContext<T>& ctx, const TokenBatch& batch, int first, int last,
                                  const RunShape& shape, const RunOutput& output, size_t count) {
  const cudaStream_t stream = ctx.stream.get();
  if (!ctx.timeline) ctx.timeline = std::make_unique<OpTimeline>();
  OpTimeline& timeline = *ctx.timeline;
  const auto t0 = std::chrono::steady_clock::now();
  timeline.start(stream);
  try {
    ctx.upload_batch(batch, first, last);
    timeline.mark(stream, Op::kUpload);
    enqueue_forward(model_, algos_, attention_, ctx, shape, output, &timeline);
    ACGS_CUDA(cudaMemcpyAsync(ctx.host_out.get(), output_source(ctx, output), count * sizeof(float),
                              cudaMemcpyDeviceToHost, stream));
    timeline.mark(stream, Op::kDownload);
  } catch (...) {
    timeline.release();
    throw;
  }
  const double enqueue_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  timeline.release();
  ACGS_CUDA(cudaStreamSynchronize(stream));
  const std::string label = std::to_string(last - first) + " seqs / " + std::to_string(shape.tokens) +
                            " token bucket / longest " + std::to_string(shape.max_len) +
                            (output.pooled ? " / pooled" : " / hidden");
  profile_->add(label, timeline, enqueue_us);
}

template <typename T>
void CudaBackend<T>::capture(ExecContext<T>& ctx, const RunShape& shape, const RunOutput& output) {
  const cudaStream_t stream = ctx.stream.get();
  // Thread-local mode: other callers' contexts may allocate or synchronize meanwhile.
  ACGS_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  cudaGraph_t graph = nullptr;
  try {
    enqueue_forward(model_, algos_, attention_, ctx, shape, output);
  } catch (...) {
    if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
    throw;
  }
  ACGS_CUDA(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  check_cuda(status, "cudaGraphInstantiate");
  ctx.graphs.insert(output.graph_key(shape), exec);
}

template class CudaBackend<float>;
template class CudaBackend<__half>;

}  // namespace acgs::cuda
