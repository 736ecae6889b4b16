// How the cpu backend's GEMM scales from one thread to the pool: each shape timed through a ThreadPool of
// 1 and of T threads (default 2), interleaved, best wall time of N rounds. "l1" is a small GEMM whose
// operands stay in L1, run once per thread on separate outputs: no memory traffic and no shared writes,
// so its scaling is what the host gives T busy threads, the ceiling for everything else.
//   gemm_threads [T]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/packed_matrix.h"
#include "backend/cpu/thread_pool.h"

namespace {

using acgs::cpu::PackedMatrix;
using acgs::cpu::ThreadPool;

struct Shape {
  const char* name;
  int m, k, n;
  bool per_thread;  // every worker runs the whole GEMM (repeated) on its own output
};

double wall_ms(ThreadPool& pool, const Shape& s, const std::vector<float>& a, const PackedMatrix& w,
               std::vector<float>& c) {
  const auto& kernels = acgs::cpu::best_kernels();
  const size_t c_size = size_t(s.m) * w.padded_n();
  const auto t0 = std::chrono::steady_clock::now();
  if (s.per_thread) {
    // Its own threads, not the pool's: the pool lets whoever arrives first take every chunk, and this
    // shape needs each of the pool's threads busy at once.
    const auto run = [&](int t) {
      for (int rep = 0; rep < 200; ++rep) {
        kernels.gemm_f32(a.data(), s.m, s.k, w, 0, w.n_panels(), {}, c.data() + t * c_size, w.padded_n());
      }
    };
    std::vector<std::thread> others;
    for (int t = 1; t < pool.size(); ++t) others.emplace_back(run, t);
    run(0);
    for (auto& t : others) t.join();
  } else {
    pool.parallel_for(w.n_panels(), [&](int begin, int end, int) {
      kernels.gemm_f32(a.data(), s.m, s.k, w, begin, end, {}, c.data(), w.padded_n());
    });
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  if (argc > 2 || threads < 2) {
    std::fprintf(stderr, "usage: gemm_threads [THREADS >= 2]\n");
    return 2;
  }
  const Shape shapes[] = {{"l1", 48, 256, 256, true},      {"qkv", 16, 768, 2304, false},
                          {"qkv", 128, 768, 2304, false},  {"ffn1", 128, 768, 3072, false},
                          {"ffn2", 128, 3072, 768, false}, {"ffn1", 512, 768, 3072, false}};
  ThreadPool one(1), many(threads);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::printf("%-5s %5s %5s %5s | %9s %9s | %7s  (GFLOP/s, best of 15 interleaved rounds)\n", "shape", "M", "K",
              "N", "1 thread", "threads", "scaling");
  for (const Shape& s : shapes) {
    std::vector<float> a(size_t(s.m) * s.k), w(size_t(s.n) * s.k), b(s.n);
    for (auto* v : {&a, &w, &b}) {
      for (float& x : *v) x = dist(rng);
    }
    const PackedMatrix packed = acgs::cpu::pack_f32(w.data(), b.data(), s.n, s.k);
    std::vector<float> c(size_t(s.m) * packed.padded_n() * threads);
    double best1 = 1e30, best_t = 1e30;
    for (int round = 0; round < 15; ++round) {
      best1 = std::min(best1, wall_ms(one, s, a, packed, c));
      best_t = std::min(best_t, wall_ms(many, s, a, packed, c));
    }
    // per_thread: one thread does 1 share of work, the pool `threads` shares in (ideally) the same time.
    const double flop = 2.0 * s.m * s.n * s.k * (s.per_thread ? 200 : 1);
    const double g1 = flop / best1 * 1e-6, gt = flop * (s.per_thread ? threads : 1) / best_t * 1e-6;
    std::printf("%-5s %5d %5d %5d | %9.1f %9.1f | %6.2fx\n", s.name, s.m, s.k, s.n, g1, gt, gt / g1);
  }
  return 0;
}
