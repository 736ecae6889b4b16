#pragma once
// Staging of one head's Q, K or V rows into shared memory, shared by the fp16 attention kernels: tiles of
// kTileRows rows, row stride D + kHalfPad halves. The 16-byte pad keeps every row start 16-byte aligned
// (WMMA pointers, ldmatrix row addresses) while shifting consecutive rows across shared-memory banks.
#include <cuda_fp16.h>

#include <cstddef>

#include "backend/cuda/kernels/common.cuh"

namespace acgs::cuda {

inline constexpr int kTileRows = 64;
inline constexpr int kHalfPad = 8;

template <int D>
inline constexpr int kTileLd = D + kHalfPad;  // halves per staged row
template <int D>
inline constexpr size_t kTileBytes = size_t(kTileRows) * kTileLd<D> * sizeof(__half);
// Both kernels' dynamic shared memory starts with the Q, K and V tiles, back to back.
template <int D>
inline constexpr size_t kQkvTileBytes = 3 * kTileBytes<D>;

struct QkvTiles {
  __half* q;
  __half* k;
  __half* v;
};

template <int D>
__device__ __forceinline__ QkvTiles qkv_tiles(unsigned char* smem) {
  return {reinterpret_cast<__half*>(smem), reinterpret_cast<__half*>(smem + kTileBytes<D>),
          reinterpret_cast<__half*>(smem + 2 * kTileBytes<D>)};
}

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

__device__ __forceinline__ unsigned smem_address(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// load_tile's result through cp.async (sm_80+; PTX ISA "cp.async"), for the vectorized case (head_dim and dim
// multiples of 8): each 16-byte chunk is one asynchronous global -> shared copy, chunks outside the rows or
// head_dim copy 0 source bytes and are zero-filled (src-size 0). Nothing passes through registers, so a
// thread's copies are all in flight at once: load_tile's loop stores each chunk before it loads the next (the
// compiler may not move a load through a generic pointer above a store it could alias), which made a
// 128-thread block wait for D / 16 global loads in a row per tile. Complete with cp_async_wait_all() and a
// barrier before reading the tile.
template <int D>
__device__ void load_tile_async(__half* dst, const __half* src, size_t ld, int first, int rows, int head_dim) {
  constexpr int kChunks = D / 8;
  for (int i = threadIdx.x; i < kTileRows * kChunks; i += blockDim.x) {
    const int r = i / kChunks, c = (i % kChunks) * 8;
    const bool inside = r < rows && c < head_dim;
    // A zero-byte copy reads nothing; `src` only keeps the operand a valid global address.
    const __half* from = inside ? src + size_t(first + r) * ld + c : src;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(dst + r * (D + kHalfPad) + c)),
                 "l"(__cvta_generic_to_global(from)), "r"(inside ? 16 : 0)
                 : "memory");
  }
}

// Waits for this thread's cp.async copies; a barrier after it makes every thread's copies visible.
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

}  // namespace acgs::cuda
