// Single-threaded GEMM throughput on DistilBERT's shapes: C[M,N] = A[M,K]·Wᵀ + b with W in HF layout
// [N,K], weights prepacked where the library allows it. Run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
// so each library uses one core, like one worker of the cpu backend's pool.
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <vector>

#include "backend/cpu/kernels.h"
#include "backend/cpu/packed_matrix.h"
#include "thread_time.h"

using acgs::bench::best_ms;

int main() {
  using dnnl::memory;
  const int ms[] = {16, 64, 128, 1024};
  const int kn[][2] = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::printf("%6s %6s %6s | %10s %10s %10s | %10s  (GFLOP/s, 1 thread, best of N, thread CPU time)\n", "M", "K", "N", "ours", "onednn",
              "openblas", "ours int8");
  for (int m : ms) {
    for (const auto& s : kn) {
      const int k = s[0], n = s[1];
      std::vector<float> a(size_t(m) * k), w(size_t(n) * k), b(n), c(size_t(m) * n), cp;
      for (auto* v : {&a, &w, &b})
        for (auto& x : *v) x = dist(rng);
      const int reps = m >= 1024 ? 3 : 10;
      const double flop = 2.0 * m * n * k;

      const acgs::cpu::PackedMatrix packed = acgs::cpu::pack_f32(w.data(), b.data(), n, k);
      cp.resize(size_t(m) * packed.padded_n());
      const double ours = best_ms(
          [&] {
            acgs::cpu::best_kernels().gemm_f32(a.data(), m, k, packed, 0, packed.n_panels(), {}, cp.data(),
                                               packed.padded_n());
          },
          reps);

      const memory::desc a_md({m, k}, memory::data_type::f32, memory::format_tag::ab);
      const memory::desc w_any({k, n}, memory::data_type::f32, memory::format_tag::any);
      const memory::desc w_md({k, n}, memory::data_type::f32, memory::format_tag::ba);  // HF [N,K] = Wᵀ
      const memory::desc b_md({1, n}, memory::data_type::f32, memory::format_tag::ab);
      const memory::desc c_md({m, n}, memory::data_type::f32, memory::format_tag::ab);
      const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, w_any, b_md, c_md), engine);
      memory a_mem(a_md, engine, a.data()), w_src(w_md, engine, w.data()), b_mem(b_md, engine, b.data()),
          c_mem(c_md, engine, c.data()), w_mem(pd.weights_desc(), engine);
      dnnl::reorder(w_src, w_mem).execute(stream, w_src, w_mem);  // prepack once, outside the timing
      dnnl::matmul mm(pd);
      const double onednn = best_ms(
          [&] {
            mm.execute(stream, {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, w_mem}, {DNNL_ARG_BIAS, b_mem},
                                {DNNL_ARG_DST, c_mem}});
            stream.wait();
          },
          reps);

      const double openblas = best_ms(
          [&] {
            for (int r = 0; r < m; ++r) std::copy(b.begin(), b.end(), c.begin() + size_t(r) * n);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, w.data(), k, 1.0f,
                        c.data(), n);
          },
          reps);
      const acgs::cpu::PackedMatrixI8 packed8 = acgs::cpu::pack_i8(w.data(), b.data(), n, k);
      const int ldq = acgs::cpu::padded_k_i8(k);
      std::vector<uint8_t> aq(size_t(m) * ldq);
      std::vector<float> a_scale(m);
      std::vector<int32_t> a_zero(m);
      const acgs::cpu::QuantizedRows quantized{aq.data(), ldq, a_scale.data(), a_zero.data()};
      const double int8 = best_ms(
          [&] {
            acgs::cpu::best_kernels().quantize_rows(a.data(), m, k, k, aq.data(), ldq, a_scale.data(), a_zero.data());
            acgs::cpu::best_kernels().gemm_i8(quantized, m, packed8, 0, packed8.n_panels(), {}, cp.data(),
                                              packed8.padded_n());
          },
          reps);
      std::printf("%6d %6d %6d | %10.1f %10.1f %10.1f | %10.1f\n", m, k, n, flop / ours / 1e6, flop / onednn / 1e6,
                  flop / openblas / 1e6, flop / int8 / 1e6);
    }
  }
  return 0;
}
