#pragma once
// The fixed launch sequence of a DistilBERT forward pass on one execution context:
//   embeddings + LayerNorm
//   per layer: QKV GEMM (+bias) -> fused attention -> out_lin GEMM (+bias) -> residual + LayerNorm
//              -> lin1 GEMM (+bias) -> exact GELU -> lin2 GEMM (+bias) -> residual + LayerNorm
// Everything is enqueued on the context's stream with device-side batch sizes, so the same sequence is
// either run directly or captured once into a CUDA graph per shape bucket and replayed.
#include <cstdint>

#include "backend/cuda/algo_table.h"
#include "backend/cuda/device_model.h"
#include "backend/cuda/exec_context.h"

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

template <typename T>
void enqueue_encoder(const DeviceModel<T>& model, const AlgoTable& algos, ExecContext<T>& ctx,
                     const RunShape& shape);

// Operands for tuning/checking the GEMMs on this context's buffers with layer 0's weights.
template <typename T>
GemmOperands gemm_operands(const DeviceModel<T>& model, ExecContext<T>& ctx);

}  // namespace acgs::cuda
