// Single-threaded throughput of the AVX2 attention kernel on distilbert-base heads (12 heads of 64
// dimensions over the packed QKV buffer) at 16, 64 and 128 tokens: GFLOP/s of q·kᵀ and p·v (4·len²·64 per
// head) from thread CPU time, best of 30 runs of 20 forward-pass layers' worth of heads.
#include <cstdio>
#include <random>
#include <vector>

#include "backend/cpu/kernels.h"
#include "thread_time.h"

int main() {
  if (!acgs::cpu::cpu_has_avx2_fma()) {
    std::printf("attention_heads: this CPU has no AVX2/FMA; nothing to measure\n");
    return 0;
  }
  const auto& kernels = acgs::cpu::kAvx2Kernels;
  const int dim = 768, heads = 12, head_dim = dim / heads, ld_qkv = 3 * dim;
  std::printf("%6s | %10s %10s  (AVX2 attention, 1 thread, %d heads x %d)\n", "len", "ms", "GFLOP/s", heads, head_dim);
  for (int len : {16, 64, 128}) {
    std::vector<float> qkv(size_t(len) * ld_qkv), ctx(size_t(len) * dim);
    std::vector<float> scratch(acgs::cpu::attention_scratch_floats(len, head_dim));
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (float& x : qkv) x = dist(rng);
    const auto twenty_layers = [&] {
      for (int layer = 0; layer < 20; ++layer) {
        for (int h = 0; h < heads; ++h) {
          kernels.attention(qkv.data(), ld_qkv, len, dim, head_dim, h, ctx.data(), dim, scratch.data());
        }
      }
    };
    const double best = acgs::bench::best_ms(twenty_layers, 30) / 20;
    const double flop = 4.0 * heads * len * len * head_dim;
    std::printf("%6d | %10.4f %10.1f\n", len, best, flop / best / 1e6);
  }
  return 0;
}
