#pragma once
// Host-side dispatch shared by the attention kernels: they are templated on a compile-time bound D of the
// head dimension (registers and shared-memory tiles are sized by it, the rest zero-padded).
#include <string>

#include "backend/cuda/kernels/attention.h"
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

}  // namespace acgs::cuda
