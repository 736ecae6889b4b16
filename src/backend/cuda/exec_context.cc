#include "backend/cuda/exec_context.h"

#include <algorithm>

#include "backend/cuda/token_buckets.h"

namespace acgs::cuda {
namespace {

// Graphs kept per context; the key space is bounded anyway (token x sequence x length buckets), this only
// caps memory for unusual traffic. When full the cache starts over.
constexpr size_t kMaxGraphs = 256;

}  // namespace

Capacity make_capacity(const ModelConfig& config, int max_batch, int max_seq) {
  Capacity c;
  c.max_batch = max_batch;
  c.max_seq = max_seq;
  c.tokens = round_tokens(std::max(max_batch * max_seq, config.max_position_embeddings));
  return c;
}

Stream::Stream() { ACGS_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }

Stream::~Stream() {
  if (stream_) cudaStreamDestroy(stream_);
}

GraphCache::~GraphCache() {
  for (auto& [key, exec] : graphs_) cudaGraphExecDestroy(exec);
}

cudaGraphExec_t GraphCache::find(uint64_t key) const {
  const auto it = graphs_.find(key);
  return it == graphs_.end() ? nullptr : it->second;
}

void GraphCache::insert(uint64_t key, cudaGraphExec_t exec) {
  if (graphs_.size() >= kMaxGraphs) {
    for (auto& [k, e] : graphs_) cudaGraphExecDestroy(e);
    graphs_.clear();
  }
  graphs_[key] = exec;
}

template <typename T>
ExecContext<T>::ExecContext(const ModelConfig& config, const Capacity& cap)
    : capacity(cap),
      gemm(kCudaType<T>),
      workspace(kGemmWorkspaceBytes),
      batch_ints(0),
      hidden(size_t(cap.tokens) * config.dim),
      qkv(size_t(cap.tokens) * 3 * config.dim),
      ctx(size_t(cap.tokens) * config.dim),
      tmp(size_t(cap.tokens) * config.dim),
      inner(size_t(cap.tokens) * config.hidden_dim),
      out(size_t(std::max(cap.tokens, cap.max_batch)) * config.dim),
      host_out(size_t(std::max(cap.tokens, cap.max_batch)) * config.dim) {
  tokens_offset = (2 + cap.max_batch + 1 + 1) / 2 * 2;
  const size_t ints = size_t(tokens_offset) + 2 * size_t(cap.tokens);
  batch_ints = DeviceBuffer<int>(ints);
  staging = PinnedBuffer<int>(ints);
  // Rows past a run's real tokens are read by the GEMMs (never written back to the caller): start them
  // at zero so they are finite from the first run on.
  for (const DeviceBuffer<T>* b : {&hidden, &qkv, &ctx, &tmp, &inner}) ACGS_CUDA(cudaMemset(b->get(), 0, b->bytes()));
  ACGS_CUDA(cudaMemset(batch_ints.get(), 0, batch_ints.bytes()));
}

template <typename T>
void ExecContext<T>::upload_batch(const TokenBatch& batch, int first, int last) {
  int* s = staging.get();
  const int base = batch.offsets[first];
  s[0] = batch.offsets[last] - base;
  s[1] = last - first;
  for (int i = first; i <= last; ++i) s[2 + i - first] = batch.offsets[i] - base;
  int* tokens = s + tokens_offset;
  for (int i = first; i < last; ++i)
    for (int t = batch.offsets[i]; t < batch.offsets[i + 1]; ++t) {
      tokens[2 * (t - base)] = batch.ids[t];
      tokens[2 * (t - base) + 1] = t - batch.offsets[i];
    }
  const size_t ints = size_t(tokens_offset) + 2 * size_t(s[0]);
  ACGS_CUDA(cudaMemcpyAsync(batch_ints.get(), s, ints * sizeof(int), cudaMemcpyHostToDevice, stream.get()));
}

template <typename T>
DeviceBatch ExecContext<T>::device_batch() const {
  const int* d = batch_ints.get();
  return DeviceBatch{d, d + 2, reinterpret_cast<const int2*>(d + tokens_offset)};
}

template struct ExecContext<float>;
template struct ExecContext<__half>;

}  // namespace acgs::cuda
