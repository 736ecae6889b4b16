#pragma once
// Staging of one head's Q, K or V rows into shared memory, shared by the fp16 attention kernels: tiles of
// kTileRows rows, row stride D + kHalfPad halves. The 16-byte pad keeps every row start 16-byte aligned
// (WMMA pointers, ldmatrix row addresses) while shifting consecutive rows across shared-memory banks.
#include <cuda_fp16.h>

#include "backend/cuda/kernels/common.cuh"

namespace acgs::cuda {

inline constexpr int kTileRows = 64;
inline constexpr int kHalfPad = 8;

// Stages rows [first, first + rows) x [0, head_dim) of one head's Q, K or V into a [64][D + 8] tile,
// zero-filling rows past `rows` and columns past head_dim. 16-byte loads when every row start is 16-byte
// aligned (head_dim and dim multiples of 8), element loads otherwise.
template <int D>
__device__ void load_tile(__half* dst, const __half* src, size_t ld, int first, int rows, int head_dim,
                          bool vec) {
  constexpr int kChunks = D / 8;
  for (int i = threadIdx.x; i < kTileRows * kChunks; i += blockDim.x) {
    const int r = i / kChunks, c = (i % kChunks) * 8;
    Pack<__half, 8> pack;
    if (vec && r < rows && c < head_dim) {
      pack = *reinterpret_cast<const Pack<__half, 8>*>(src + size_t(first + r) * ld + c);
    } else {
#pragma unroll
      for (int e = 0; e < 8; ++e)
        pack.v[e] = r < rows && c + e < head_dim ? src[size_t(first + r) * ld + c + e] : __float2half_rn(0.0f);
    }
    *reinterpret_cast<Pack<__half, 8>*>(dst + r * (D + kHalfPad) + c) = pack;
  }
}

}  // namespace acgs::cuda
