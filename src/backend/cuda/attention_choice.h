#pragma once
// Which fp16 attention kernel a backend runs: the WMMA kernel (verified on an H100 in run 1, the default)
// or the FlashAttention-2 style mma kernel. Nothing about a new kernel is trusted on a GPU it was never run
// on: `auto` runs both on probe batches at backend creation, and picks mma only when its output matches
// WMMA's and it is faster; any mismatch or error keeps WMMA, with the reason recorded.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <string>

#include "backend/cuda/kernels/device_batch.h"

namespace acgs::cuda {

enum class AttentionKernel { kWmma, kMma };

struct AttentionChoice {
  AttentionKernel kernel = AttentionKernel::kWmma;
  std::string reason;  // what was measured or forced; shown by `status` and `bench` (BackendInfo::notes)
  bool fell_back = false;  // mma was tried and failed (mismatch or error): worth a warning
};

// ACGS_CUDA_ATTENTION = auto (default) | wmma | mma. A forced kernel is not probed (tests, A/B runs).
AttentionChoice choose_fp16_attention(int n_heads, int head_dim, cudaStream_t stream);

// The fp16 kernel `kernel` (prepare_attention<__half> / prepare_attention_fp16_mma done beforehand).
void launch_fp16_attention(AttentionKernel kernel, cudaStream_t stream, const DeviceBatch& batch, int seq_capacity,
                           int max_len, const __half* qkv, int n_heads, int head_dim, __half* ctx);

}  // namespace acgs::cuda
