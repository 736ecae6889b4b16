#pragma once
// Everything one in-flight forward pass owns: a stream, a cuBLASLt handle and workspace, activation
// buffers for the full capacity, the device batch description, pinned staging buffers and the CUDA graphs
// captured on this context. Contexts are pooled by the backend; a caller holds one for a whole call, so
// concurrent callers never share buffers and nothing needs a lock while the GPU works.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "backend/cuda/device_memory.h"
#include "backend/cuda/kernels/device_batch.h"
#include "backend/cuda/lt_gemm.h"
#include "backend/cuda/op_profile.h"
#include "model/config.h"
#include "model/token_batch.h"

namespace acgs::cuda {

template <typename T>
constexpr cudaDataType_t kCudaType = sizeof(T) == 2 ? CUDA_R_16F : CUDA_R_32F;

// What one run may hold. tokens is a token bucket (round_tokens) so a GEMM at the largest bucket fits.
struct Capacity {
  int max_batch = 0;  // sequences per run
  int max_seq = 0;    // the configured sequence budget (plans record it)
  int tokens = 0;     // round_tokens(max(max_batch * max_seq, max_position_embeddings)): any single valid
                      // sequence fits, longer batches are split
};
Capacity make_capacity(const ModelConfig& config, int max_batch, int max_seq);

// Owns a stream; destroying it waits for nothing (callers synchronize before releasing a context).
class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

// Instantiated graphs by shape key, destroyed with the context.
class GraphCache {
 public:
  GraphCache() = default;
  ~GraphCache();
  GraphCache(const GraphCache&) = delete;
  GraphCache& operator=(const GraphCache&) = delete;
  cudaGraphExec_t find(uint64_t key) const;
  void insert(uint64_t key, cudaGraphExec_t exec);  // takes ownership; bounded, see .cc

 private:
  std::unordered_map<uint64_t, cudaGraphExec_t> graphs_;
};

template <typename T>
struct ExecContext {
  ExecContext(const ModelConfig& config, const Capacity& capacity);

  // Fills the pinned staging area with sequences [first, last) of `batch` (offsets rebased to 0, positions
  // restarting per sequence) and enqueues one host-to-device copy of it.
  void upload_batch(const TokenBatch& batch, int first, int last);
  DeviceBatch device_batch() const;

  Capacity capacity;
  Stream stream;
  LtGemm gemm;
  DeviceBuffer<uint8_t> workspace;
  // Batch description, as ints: [counts 2 | offsets max_batch + 1 | pad to even | (id, position) per token].
  DeviceBuffer<int> batch_ints;
  PinnedBuffer<int> staging;
  int tokens_offset = 0;  // index of the first (id, position) pair in batch_ints / staging
  DeviceBuffer<T> hidden;  // [tokens, dim] the residual stream, LayerNorm outputs in place
  DeviceBuffer<T> qkv;     // [tokens, 3 * dim]
  DeviceBuffer<T> ctx;     // [tokens, dim] attention context
  DeviceBuffer<T> tmp;     // [tokens, dim] out_lin / lin2 outputs before the residual LayerNorm
  DeviceBuffer<T> inner;   // [tokens, hidden_dim] FFN activations
  DeviceBuffer<float> out; // [tokens, dim] fp32 copy of the fp16 hidden states (unused in fp32 mode), or
                           // [max_batch, dim] pooled rows
  PinnedBuffer<float> host_out;  // [tokens, dim]
  GraphCache graphs;
  std::unique_ptr<OpTimeline> timeline;  // created by the first profiled run (ACGS_CUDA_PROFILE)
};

}  // namespace acgs::cuda
