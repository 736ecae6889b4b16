#pragma once
// The fixed launch sequence of a DistilBERT forward pass on one execution context:
//   embeddings + LayerNorm
//   per layer: QKV GEMM (+bias) -> fused attention -> out_lin GEMM (+bias) -> residual + LayerNorm
//              -> lin1 GEMM (+bias, +GELU in fp16 mode) [-> exact GELU, fp32 mode] -> lin2 GEMM (+bias)
//              -> residual + LayerNorm
//   output: pooling into ctx.out, or fp16 -> fp32 widening into ctx.out (fp32 hidden states stay in place)
// Everything is enqueued on the context's stream with device-side batch sizes, so the same sequence is
// either run directly or captured once into a CUDA graph per (shape bucket, output) and replayed.
#include <cstdint>

#include "backend/cuda/algo_table.h"
#include "backend/cuda/attention_choice.h"
#include "backend/cuda/device_model.h"
#include "backend/cuda/exec_context.h"
#include "backend/cuda/op_profile.h"
#include "backend/backend.h"

namespace acgs::cuda {

// The bucketed launch shape of one run.
struct RunShape {
  int tokens = 0;        // round_tokens(real tokens): GEMM rows
  int bucket_index = 0;  // its index in the algorithm table
  int sequences = 0;     // round_sequences(real sequences): attention grid
  int max_len = 0;       // round_length(longest sequence): attention grid
  uint64_t key() const { return uint64_t(tokens) << 32 | uint64_t(sequences) << 16 | uint64_t(max_len); }
};
RunShape run_shape(int tokens, int sequences, int max_len);

// What a run leaves for the host to copy back.
struct RunOutput {
  bool pooled = false;  // pooled rows [sequences, dim], else hidden states [tokens, dim]
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  // Graph cache key: shape and output together (token buckets stay far below 2^29, so nothing overflows).
  uint64_t graph_key(const RunShape& shape) const {
    return shape.key() << 3 | uint64_t(pooled) << 2 | uint64_t(pooling == Pooling::kMean) << 1 | uint64_t(normalize);
  }
};

// The device buffer holding the run's fp32 output (ctx.out, or the hidden states themselves in fp32 mode).
template <typename T>
const float* output_source(const ExecContext<T>& ctx, const RunOutput& output);

// Enqueues the encoder and the output kernel. `attention` picks the fp16 attention kernel (fp32 has one).
// With a timeline, marks the end of every op on it (profiling).
template <typename T>
void enqueue_forward(const DeviceModel<T>& model, const AlgoTable& algos, AttentionKernel attention,
                     ExecContext<T>& ctx, const RunShape& shape, const RunOutput& output,
                     OpTimeline* timeline = nullptr);

// Operands for tuning/checking the GEMMs on this context's buffers with layer 0's weights.
template <typename T>
GemmOperands gemm_operands(const DeviceModel<T>& model, ExecContext<T>& ctx);

}  // namespace acgs::cuda
