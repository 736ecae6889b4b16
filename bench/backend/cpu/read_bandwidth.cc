// Memory read bandwidth with T threads: each sums its share of one buffer as large as the fp32 encoder
// weights (170 MB, far beyond the last-level cache), best of 5 passes. A short text's forward pass must
// stream every weight once, so MB / this rate is the floor of its latency. Prints GB/s.
// Usage: read_bandwidth [THREADS] [MB]   (defaults 2 and 170)
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

__attribute__((target("avx2"))) float sum(const float* p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  float s = 0;
  for (float v : lanes) s += v;
  for (; i < n; ++i) s += p[i];
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2;
  const size_t bytes = size_t(argc > 2 ? std::max(1, std::atoi(argv[2])) : 170) * 1000 * 1000;
  const std::vector<float> data(bytes / sizeof(float), 1.0f);
  double best = 0;
  float sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<float> partial(threads);
    std::vector<std::thread> pool;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const size_t begin = data.size() * t / threads, end = data.size() * (t + 1) / threads;
        partial[t] = sum(data.data() + begin, end - begin);
      });
    }
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(bytes) / s * 1e-9);
    for (float p : partial) sink += p;
  }
  std::fprintf(stderr, "(checksum %g)\n", double(sink));
  std::printf("%.1f\n", best);
  return 0;
}
