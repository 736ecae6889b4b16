// Each CPU kernel (portable, AVX2, AVX-512 VNNI) against the reference backend's ops on odd shapes: sizes
// that are not multiples of the vector width or the 16-column panel, k longer than one cache block, one
// row, and sequences of 1 and 512 tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "backend/cpu/packed_matrix.h"
#include "backend/reference/reference_ops.h"
#include "common/error.h"
#include "cpu_test_util.h"

namespace acgs {
namespace {

using cpu::Epilogue;
using test::max_abs_diff;
using test::random_floats;

struct GemmShape {
  int m, k, n;
};

// Long k (several 256-k slices, the last one short) and m > 144 (several row blocks) included.
const GemmShape kShapes[] = {{1, 1, 1},      {1, 37, 17},     {7, 5, 50},       {13, 300, 33},
                             {150, 257, 16}, {6, 768, 40},    {9, 1500, 40},    {150, 1100, 33}};

// Reference: y = x·Wᵀ + b, then the epilogue, in the reference backend's own ops.
std::vector<float> reference_linear(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
                                    const GemmShape& s, Epilogue::Kind kind, const std::vector<float>& residual) {
  std::vector<float> y(size_t(s.m) * s.n);
  reference::linear(x.data(), s.m, s.k, w.data(), b.data(), s.n, y.data());
  if (kind == Epilogue::Kind::kBiasGelu) reference::gelu_erf(y.data(), y.size());
  if (kind == Epilogue::Kind::kBiasResidual) reference::add_inplace(y.data(), residual.data(), y.size());
  return y;
}

// c is written with a leading dimension of whole panels; keep only the real columns.
std::vector<float> strip(const std::vector<float>& c, int m, int n, int ldc) {
  std::vector<float> out;
  for (int r = 0; r < m; ++r) out.insert(out.end(), c.begin() + size_t(r) * ldc, c.begin() + size_t(r) * ldc + n);
  return out;
}

TEST(CpuKernels, GemmF32MatchesReferenceOnOddShapes) {
  for (const auto* kernels : cpu::supported_kernels()) {
    for (const GemmShape& s : kShapes) {
      for (auto kind : {Epilogue::Kind::kBias, Epilogue::Kind::kBiasGelu, Epilogue::Kind::kBiasResidual}) {
        const auto x = random_floats(size_t(s.m) * s.k, 1), w = random_floats(size_t(s.n) * s.k, 2),
                   b = random_floats(s.n, 3), res = random_floats(size_t(s.m) * s.n, 4);
        const cpu::PackedMatrix packed = cpu::pack_f32(w.data(), b.data(), s.n, s.k);
        const int ldc = packed.padded_n();
        std::vector<float> res_padded(size_t(s.m) * ldc, 0.0f);
        for (int r = 0; r < s.m; ++r) std::copy_n(res.begin() + size_t(r) * s.n, s.n, res_padded.begin() + size_t(r) * ldc);
        const Epilogue ep{kind, res_padded.data(), kind == Epilogue::Kind::kBiasResidual ? ldc : 0};
        std::vector<float> c(size_t(s.m) * ldc, NAN);
        // Two panel ranges, as two threads would split them.
        const int half = packed.n_panels() / 2;
        kernels->gemm_f32(x.data(), s.m, s.k, packed, 0, half, ep, c.data(), ldc);
        kernels->gemm_f32(x.data(), s.m, s.k, packed, half, packed.n_panels(), ep, c.data(), ldc);
        const auto expected = reference_linear(x, w, b, s, kind, res);
        EXPECT_LT(max_abs_diff(strip(c, s.m, s.n, ldc), expected), 2e-5 * std::sqrt(double(s.k)) + 1e-6)
            << kernels->isa << " m=" << s.m << " k=" << s.k << " n=" << s.n << " epilogue=" << int(kind);
      }
    }
  }
}

// The GELU epilogue uses a vectorized erf; compare to the exact (double) GELU over a wide range.
TEST(CpuKernels, GeluEpilogueMatchesExactErf) {
  const int m = 4001;
  std::vector<float> x(m);
  for (int i = 0; i < m; ++i) x[i] = -10.0f + 20.0f * float(i) / float(m - 1);
  const float one = 1.0f, zero = 0.0f;
  const cpu::PackedMatrix identity = cpu::pack_f32(&one, &zero, 1, 1);
  for (const auto* kernels : cpu::supported_kernels()) {
    std::vector<float> c(size_t(m) * cpu::kPanel);
    kernels->gemm_f32(x.data(), m, 1, identity, 0, 1, {Epilogue::Kind::kBiasGelu, nullptr, 0}, c.data(), cpu::kPanel);
    double worst = 0;
    for (int i = 0; i < m; ++i) {
      const double v = x[i], exact = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      worst = std::max(worst, std::fabs(c[size_t(i) * cpu::kPanel] - exact) / std::max(1.0, std::fabs(v)));
    }
    EXPECT_LT(worst, 4e-7) << kernels->isa;
  }
}

// Rows quantized by every kernel set: data, scales and zero points.
struct Quantized {
  std::vector<uint8_t> q;
  std::vector<float> scale;
  std::vector<int32_t> zero;
  int ld;
  bool operator==(const Quantized&) const = default;
  cpu::QuantizedRows rows() const { return {q.data(), ld, scale.data(), zero.data()}; }
};

Quantized quantize(const cpu::CpuKernels& kernels, const std::vector<float>& x, int m, int k, int ld) {
  Quantized out{std::vector<uint8_t>(size_t(m) * ld, 99), std::vector<float>(m), std::vector<int32_t>(m), ld};
  kernels.quantize_rows(x.data(), m, k, k, out.q.data(), ld, out.scale.data(), out.zero.data());
  return out;
}

TEST(CpuKernels, QuantizeRowsRoundTripsWithinHalfAStep) {
  for (int k : {1, 7, 8, 37, 768}) {
    const int m = 6, ldq = cpu::padded_k_i8(k) + 4;
    auto x = random_floats(size_t(m) * k, 7, -3.0f, 3.0f);
    std::fill(x.begin(), x.begin() + k, 0.0f);  // an all-zero row must not divide by zero
    for (int j = 0; j < k; ++j) {
      x[size_t(1) * k + j] = std::fabs(x[size_t(1) * k + j]);        // no negative value: zero point 0
      x[size_t(2) * k + j] = -std::fabs(x[size_t(2) * k + j]) - 1;   // all negative: zero point at the top
      if (j % 3 == 0) x[size_t(3) * k + j] = 0.0f;                    // zeros among others stay exact
    }
    for (const auto* kernels : cpu::supported_kernels()) {
      const int top = kernels->activation_levels;
      const Quantized got = quantize(*kernels, x, m, k, ldq);
      EXPECT_EQ(got.zero[0], 0) << kernels->isa;
      EXPECT_EQ(got.zero[1], 0) << kernels->isa;
      EXPECT_EQ(got.zero[2], top) << kernels->isa;
      for (int r = 0; r < m; ++r) {
        for (int j = 0; j < k; ++j) {
          const float v = float(int(got.q[size_t(r) * ldq + j]) - got.zero[r]) * got.scale[r];
          EXPECT_LE(std::fabs(v - x[size_t(r) * k + j]), 0.5001f * got.scale[r]) << kernels->isa << " row " << r;
          if (x[size_t(r) * k + j] == 0.0f) {
            EXPECT_EQ(got.q[size_t(r) * ldq + j], got.zero[r]) << "0 must be exact";
          }
        }
        // Vector lanes round and clamp exactly as the one scalar definition (so sets with the same levels
        // quantize identically, and the int8 results depend on the CPU only through the levels).
        const float* row = x.data() + size_t(r) * k;
        const auto [lo, hi] = std::minmax_element(row, row + k);
        const cpu::RowQuantization rq = cpu::row_quantization(*lo, *hi, top);
        EXPECT_EQ(got.scale[r], rq.scale) << kernels->isa;
        EXPECT_EQ(got.zero[r], rq.zero) << kernels->isa;
        for (int j = 0; j < k; ++j) {
          EXPECT_EQ(got.q[size_t(r) * ldq + j], rq.quantize(row[j])) << kernels->isa << " k=" << k << " j=" << j;
          EXPECT_LE(got.q[size_t(r) * ldq + j], top);
        }
        for (int j = k; j < cpu::padded_k_i8(k); ++j) {
          EXPECT_EQ(got.q[size_t(r) * ldq + j], 0) << "k padded to a multiple of 8 with zeros";
        }
      }
    }
  }
}

TEST(CpuKernels, GemmI8MatchesDequantizedProduct) {
  for (const GemmShape& s : kShapes) {
    const int ldq = cpu::padded_k_i8(s.k);
    const auto x = random_floats(size_t(s.m) * s.k, 11), w = random_floats(size_t(s.n) * s.k, 12),
               b = random_floats(s.n, 13);
    const cpu::PackedMatrixI8 packed = cpu::pack_i8(w.data(), b.data(), s.n, s.k);
    std::vector<float> exact_fp32(size_t(s.m) * s.n);
    reference::linear(x.data(), s.m, s.k, w.data(), b.data(), s.n, exact_fp32.data());
    for (const auto* kernels : cpu::supported_kernels()) {
      // Each set gets activations at its own levels (the AVX2 kernel is only exact up to 127).
      const Quantized q = quantize(*kernels, x, s.m, s.k, ldq);
      // Plain-loop oracle in double over the int8 weights recovered from the per-column scale.
      std::vector<float> expected(size_t(s.m) * s.n);
      for (int r = 0; r < s.m; ++r) {
        for (int col = 0; col < s.n; ++col) {
          const double ws = packed.scale[col];
          double acc = 0;
          for (int kk = 0; kk < s.k; ++kk) {
            const double wq = std::nearbyint(w[size_t(col) * s.k + kk] / packed.scale[col]);
            ASSERT_LE(std::fabs(wq), cpu::kWeightLevelsI8);
            acc += double(int(q.q[size_t(r) * ldq + kk]) - q.zero[r]) * wq;
          }
          expected[size_t(r) * s.n + col] = float(acc * q.scale[r] * ws + b[col]);
        }
      }
      const int ldc = packed.padded_n();
      std::vector<float> c(size_t(s.m) * ldc, NAN);
      kernels->gemm_i8(q.rows(), s.m, packed, 0, packed.n_panels(), {}, c.data(), ldc);
      const auto got = strip(c, s.m, s.n, ldc);
      EXPECT_LT(max_abs_diff(got, expected), 1e-5 * std::sqrt(double(s.k)) + 1e-6) << kernels->isa << " k=" << s.k;
      // Quantization error vs fp32: a few steps of 1/127 of the column ranges and 1/127 (AVX2) or 1/255 of
      // the row ranges, summed over k.
      EXPECT_LT(max_abs_diff(got, exact_fp32), 0.04 * std::sqrt(double(s.k)) + 1e-3) << kernels->isa;
    }
  }
}

// The largest products each set allows (activations at its top level, weights at ±127, same sign
// everywhere) must come out exact: an int16 sum that saturated or wrapped would be off by thousands.
TEST(CpuKernels, GemmI8ExtremeValuesDoNotSaturate) {
  const int m = 5, k = 1003, n = 19;
  std::vector<float> x(size_t(m) * k, 1.0f), w(size_t(n) * k), b(n, 0.0f);
  for (int col = 0; col < n; ++col) {
    for (int kk = 0; kk < k; ++kk) w[size_t(col) * k + kk] = col % 2 ? -2.0f : 2.0f;
  }
  const cpu::PackedMatrixI8 packed = cpu::pack_i8(w.data(), b.data(), n, k);
  for (const auto* kernels : cpu::supported_kernels()) {
    const Quantized q = quantize(*kernels, x, m, k, cpu::padded_k_i8(k));
    ASSERT_EQ(q.q[0], kernels->activation_levels);
    const int ldc = packed.padded_n();
    std::vector<float> c(size_t(m) * ldc, NAN);
    kernels->gemm_i8(q.rows(), m, packed, 0, packed.n_panels(), {}, c.data(), ldc);
    for (int r = 0; r < m; ++r) {
      for (int col = 0; col < n; ++col) {
        EXPECT_NEAR(c[size_t(r) * ldc + col], col % 2 ? -2.0 * k : 2.0 * k, 1e-3 * k) << kernels->isa;
      }
    }
  }
}

// ACGS_CPU_ISA names a table by its isa field; the fastest when empty; an unknown or unsupported name is
// refused with the choices listed.
TEST(CpuKernels, KernelsForIsaPicksByNameAndRefusesUnsupported) {
  const auto sets = cpu::supported_kernels();
  EXPECT_EQ(&cpu::kernels_for_isa(""), sets.front());
  EXPECT_EQ(sets.back(), &cpu::kGenericKernels);
  for (const auto* k : sets) EXPECT_EQ(&cpu::kernels_for_isa(k->isa), k);
  for (const char* bad : {"avx9000", "AVX2 ", "avx512-vnni", "avx2"}) {
    bool supported = false;
    for (const auto* k : sets) supported |= std::string(bad) == k->isa;
    if (supported) continue;
    try {
      cpu::kernels_for_isa(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("choose one of: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("generic"), std::string::npos) << e.what();
    }
  }
}

// c from one GEMM call per half of the panels, as two threads would split them; real columns only.
template <typename Gemm>
std::vector<float> run_in_halves(int m, int n, int n_panels, int ldc, Gemm gemm) {
  std::vector<float> c(size_t(m) * ldc, NAN);
  gemm(0, n_panels / 2, c.data());
  gemm(n_panels / 2, n_panels, c.data());
  return strip(c, m, n, ldc);
}

// The AVX-512 GEMMs must reproduce the AVX2 ones bit for bit, with every epilogue: fp32 sums each C element
// with the same FMAs in the same k order; int8 sums the same integers exactly; both share the epilogue.
TEST(CpuKernels, Avx512GemmsBitwiseEqualAvx2) {
  if (!cpu::cpu_has_avx512_vnni()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI (avx512f/bw/vl/vnni)";
  const cpu::CpuKernels &avx2 = cpu::kAvx2Kernels, &avx512 = cpu::kAvx512VnniKernels;
  for (const GemmShape& s : kShapes) {
    const auto x = random_floats(size_t(s.m) * s.k, 21), w = random_floats(size_t(s.n) * s.k, 22),
               b = random_floats(s.n, 23);
    const cpu::PackedMatrix packed = cpu::pack_f32(w.data(), b.data(), s.n, s.k);
    const cpu::PackedMatrixI8 packed8 = cpu::pack_i8(w.data(), b.data(), s.n, s.k);
    const Quantized q = quantize(avx2, x, s.m, s.k, cpu::padded_k_i8(s.k));
    const int ldc = packed.padded_n(), panels = packed.n_panels();
    const auto residual = random_floats(size_t(s.m) * ldc, 24);
    for (const auto kind : {Epilogue::Kind::kBias, Epilogue::Kind::kBiasGelu, Epilogue::Kind::kBiasResidual}) {
      const Epilogue ep{kind, residual.data(), ldc};
      const auto f32 = [&](const cpu::CpuKernels& k) {
        return run_in_halves(s.m, s.n, panels, ldc, [&](int p0, int p1, float* c) {
          k.gemm_f32(x.data(), s.m, s.k, packed, p0, p1, ep, c, ldc);
        });
      };
      const auto i8 = [&](const cpu::CpuKernels& k) {
        return run_in_halves(s.m, s.n, panels, ldc, [&](int p0, int p1, float* c) {
          k.gemm_i8(q.rows(), s.m, packed8, p0, p1, ep, c, ldc);
        });
      };
      const auto bitwise_equal = [](const std::vector<float>& u, const std::vector<float>& v) {
        return u.size() == v.size() && std::memcmp(u.data(), v.data(), u.size() * sizeof(float)) == 0;
      };
      EXPECT_TRUE(bitwise_equal(f32(avx2), f32(avx512))) << "fp32 m=" << s.m << " k=" << s.k << " n=" << s.n
                                                         << " epilogue " << int(kind);
      EXPECT_TRUE(bitwise_equal(i8(avx2), i8(avx512))) << "int8 m=" << s.m << " k=" << s.k << " n=" << s.n
                                                       << " epilogue " << int(kind);
    }
  }
}

TEST(CpuKernels, LayerNormMatchesReference) {
  for (int dim : {1, 7, 36, 768}) {
    const int m = 9, ld = dim + 3;
    const auto x = random_floats(size_t(m) * ld, 21, -4.0f, 6.0f), g = random_floats(dim, 22), b = random_floats(dim, 23);
    std::vector<float> expected;
    for (int r = 0; r < m; ++r) expected.insert(expected.end(), x.begin() + size_t(r) * ld, x.begin() + size_t(r) * ld + dim);
    reference::layer_norm(expected.data(), m, dim, g.data(), b.data(), 1e-12f);
    for (const auto* kernels : cpu::supported_kernels()) {
      auto y = x;
      kernels->layer_norm(y.data(), m, dim, ld, g.data(), b.data(), 1e-12f);
      EXPECT_LT(max_abs_diff(strip(y, m, dim, ld), expected), 1e-5) << kernels->isa << " dim=" << dim;
      for (int r = 0; r < m; ++r) {
        for (int j = dim; j < ld; ++j) EXPECT_EQ(y[size_t(r) * ld + j], x[size_t(r) * ld + j]) << "wrote past dim";
      }
    }
  }
}

TEST(CpuKernels, AttentionMatchesReference) {
  struct Case {
    int len, n_heads, head_dim;
  };
  for (const Case& c : {Case{1, 3, 12}, Case{7, 2, 64}, Case{73, 3, 12}, Case{130, 2, 64}, Case{512, 1, 40}}) {
    const int dim = c.n_heads * c.head_dim, ld_qkv = 3 * dim + 5, ld_ctx = dim + 3;
    const auto qkv = random_floats(size_t(c.len) * ld_qkv, 31, -2.0f, 2.0f);
    std::vector<float> q, k, v;
    for (int i = 0; i < c.len; ++i) {
      const float* row = qkv.data() + size_t(i) * ld_qkv;
      q.insert(q.end(), row, row + dim);
      k.insert(k.end(), row + dim, row + 2 * dim);
      v.insert(v.end(), row + 2 * dim, row + 3 * dim);
    }
    std::vector<float> expected(size_t(c.len) * dim);
    reference::attention(q.data(), k.data(), v.data(), c.len, c.n_heads, c.head_dim, expected.data());
    for (const auto* kernels : cpu::supported_kernels()) {
      std::vector<float> ctx(size_t(c.len) * ld_ctx, NAN);
      std::vector<float> scratch(cpu::attention_scratch_floats(c.len, c.head_dim));
      for (int h = 0; h < c.n_heads; ++h) {
        kernels->attention(qkv.data(), ld_qkv, c.len, dim, c.head_dim, h, ctx.data(), ld_ctx, scratch.data());
      }
      EXPECT_LT(max_abs_diff(strip(ctx, c.len, dim, ld_ctx), expected), 2e-5)
          << kernels->isa << " len=" << c.len << " head_dim=" << c.head_dim;
    }
  }
}

}  // namespace
}  // namespace acgs
