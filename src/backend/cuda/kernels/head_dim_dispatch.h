#pragma once
// Host-side dispatch shared by the attention kernels: they are templated on a compile-time bound D of the
// head dimension (registers and shared-memory tiles are sized by it, the rest zero-padded).
#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/common.cuh"
#include "common/error.h"

namespace acgs::cuda {

inline void check_head_dim(int head_dim) {
  if (head_dim < 1 || head_dim > kMaxHeadDim)
    fail(ErrorKind::kUnavailable, "CUDA attention supports head_dim 1.." + std::to_string(kMaxHeadDim) +
                                      ", the model has " + std::to_string(head_dim) + ": use the cpu backend");
}

// Calls f.template operator()<D>() with the smallest supported bound D >= head_dim.
template <typename F>
void with_head_dim_bound(int head_dim, F&& f) {
  if (head_dim <= 32)
    f.template operator()<32>();
  else if (head_dim <= 64)
    f.template operator()<64>();
  else
    f.template operator()<kMaxHeadDim>();
}

// The launch every attention kernel shares: the grid of attention.h (query blocks of `rows`, heads, sequence
// capacity), `launch.template operator()<D>(grid)` for the head-dim bound D of head_dim, then the launch check.
// Nothing when the bucket is empty.
template <typename Launch>
void launch_for_head_dim(const char* kernel, int rows, int seq_capacity, int max_len, int n_heads, int head_dim,
                         Launch&& launch) {
  if (seq_capacity <= 0 || max_len <= 0) return;
  const dim3 grid(div_up(max_len, rows), n_heads, seq_capacity);
  with_head_dim_bound(head_dim, [&]<int D>() { launch.template operator()<D>(grid); });
  check_launch(kernel);
}

// Lets `kernel` (`name`, instantiated for head_dim) use `bytes` of dynamic shared memory per block: above the
// default 48 KiB a kernel must opt in. Error(kUnavailable), ending in `advice`, where the device allows less.
template <typename Kernel>
void allow_shared_memory(Kernel* kernel, size_t bytes, const std::string& name, int head_dim,
                         const std::string& advice) {
  int device = 0, limit = 0;
  ACGS_CUDA(cudaGetDevice(&device));
  ACGS_CUDA(cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (size_t(limit) < bytes)
    fail(ErrorKind::kUnavailable, name + " for head_dim " + std::to_string(head_dim) + " needs " +
                                      std::to_string(bytes) + " bytes of shared memory per block, this GPU allows " +
                                      std::to_string(limit) + advice);
  ACGS_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
}

}  // namespace acgs::cuda
