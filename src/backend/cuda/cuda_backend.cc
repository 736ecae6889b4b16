#include "backend/cuda/cuda_backend.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "backend/cuda/encoder.h"
#include "backend/cuda/kernels/elementwise.h"
#include "backend/cuda/kernels/pooling.h"
#include "backend/pooling.h"
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
CudaBackend<T>::CudaBackend(DeviceModel<T> model, AlgoTable algos, std::unique_ptr<ExecContext<T>> first,
                            int device, BackendInfo info, bool use_graphs)
    : model_(std::move(model)),
      algos_(std::move(algos)),
      capacity_(first->capacity),
      device_(device),
      info_(std::move(info)),
      use_graphs_(use_graphs) {
  idle_.push_back(std::move(first));
  created_ = 1;
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
  run(batch, Output{}, hidden.data());
}

template <typename T>
void CudaBackend<T>::embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) {
  check_batch(batch, config());
  check_output(pooled, size_t(batch.size()) * config().dim, "pooled");
  run(batch, Output{true, pooling, normalize}, pooled.data());
}

template <typename T>
void CudaBackend<T>::run(const TokenBatch& batch, const Output& output, float* dst) {
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
                                 const Output& output) {
  const int dim = config().dim;
  const int tokens = batch.offsets[last] - batch.offsets[first];
  int longest = 0;
  for (int i = first; i < last; ++i) longest = std::max(longest, batch.length(i));
  const RunShape shape = run_shape(tokens, last - first, longest);
  const cudaStream_t stream = ctx.stream.get();

  ctx.upload_batch(batch, first, last);
  const bool graphs = use_graphs_.load(std::memory_order_relaxed);
  const cudaGraphExec_t graph = graphs ? ctx.graphs.find(shape.key()) : nullptr;
  if (graph)
    ACGS_CUDA(cudaGraphLaunch(graph, stream));
  else
    enqueue_encoder(model_, algos_, ctx, shape);

  size_t count = 0;
  const float* src = ctx.out.get();
  if (output.pooled) {
    count = size_t(last - first) * dim;
    launch_pool<T>(stream, ctx.device_batch(), last - first, ctx.hidden.get(), dim, output.pooling == Pooling::kMean,
                   output.normalize, ctx.out.get());
  } else {
    count = size_t(tokens) * dim;
    if constexpr (sizeof(T) == 2)
      launch_half_to_float(stream, ctx.device_batch().counts, shape.tokens, dim, ctx.hidden.get(), ctx.out.get());
    else
      src = ctx.hidden.get();
  }
  ACGS_CUDA(cudaMemcpyAsync(ctx.host_out.get(), src, count * sizeof(float), cudaMemcpyDeviceToHost, stream));
  ACGS_CUDA(cudaStreamSynchronize(stream));
  // Capture only now, with the stream idle and every kernel and cuBLASLt module already loaded by the
  // direct run above: the next run of this bucket replays the graph.
  if (graphs && !graph) {
    try {
      capture(ctx, shape);
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
void CudaBackend<T>::capture(ExecContext<T>& ctx, const RunShape& shape) {
  const cudaStream_t stream = ctx.stream.get();
  // Thread-local mode: other callers' contexts may allocate or synchronize meanwhile.
  ACGS_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  cudaGraph_t graph = nullptr;
  try {
    enqueue_encoder(model_, algos_, ctx, shape);
  } catch (...) {
    if (cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
    throw;
  }
  ACGS_CUDA(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  check_cuda(status, "cudaGraphInstantiate");
  ctx.graphs.insert(shape.key(), exec);
}

template class CudaBackend<float>;
template class CudaBackend<__half>;

}  // namespace acgs::cuda
