// The cuBLASLt wrapper (TN layout, bias and GELU_BIAS epilogues) and the algorithm table against CPU references.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backend/cuda/algo_table.h"
#include "backend/cuda/exec_context.h"
#include "backend/cuda/lt_gemm.h"
#include "backend/cuda/token_buckets.h"
#include "backend/reference/reference_ops.h"
#include "common/error.h"
#include "cuda_test_util.h"

namespace acgs::cuda::test {
namespace {

// Random operands of one GEMM case: x in ±x_scale, w in ±w_scale / √in, b in ±0.5, seeded from `seed` and the
// shape so that every shape draws its own values.
struct Draw {
  int seed;
  float x_scale, w_scale;
};

// Runs `shape` with the heuristic's first `heuristic` algorithms (the first must pass supports()) and every one
// the tuner may pick (the fp32-partial-sum candidates and their split-K variants, epilogue after the reduction),
// each against the reference backend: linear, then the exact (erf) GELU where the epilogue is GELU_BIAS.
template <typename T>
void expect_every_algorithm_matches(const LtGemm& gemm, const GemmShape& shape, int heuristic, const Draw& draw,
                                    double tolerance) {
  const auto [tokens, out, in, epilogue] = shape;
  const auto x = stored<T>(random_values(size_t(tokens) * in, draw.seed + 1 + in, draw.x_scale));
  const auto w = stored<T>(random_values(size_t(out) * in, draw.seed + 2 + out, draw.w_scale / std::sqrt(float(in))));
  const auto b = stored<T>(random_values(out, draw.seed + 3 + out, 0.5f));
  const auto dx = to_device<T>(x), dw = to_device<T>(w), db = to_device<T>(b);
  auto dy = to_device<T>(std::vector<float>(size_t(tokens) * out, NAN));
  DeviceBuffer<uint8_t> workspace(kGemmWorkspaceBytes);
  auto algos = gemm.candidates(shape, db.get(), heuristic);
  ASSERT_FALSE(algos.empty());
  EXPECT_TRUE(gemm.supports(shape, db.get(), algos.front()));
  const auto tuned = gemm.candidates(shape, db.get(), 16, true);
  algos.insert(algos.end(), tuned.begin(), tuned.end());
  for (const auto& a : tuned)
    for (const auto& v : gemm.split_k_variants(shape, db.get(), a)) algos.push_back(v);
  std::vector<float> want(size_t(tokens) * out);
  reference::linear(x.data(), tokens, in, w.data(), b.data(), out, want.data());
  if (epilogue == CUBLASLT_EPILOGUE_GELU_BIAS) reference::gelu_erf(want.data(), want.size());
  for (size_t i = 0; i < algos.size(); ++i) {
    dy = to_device<T>(std::vector<float>(size_t(tokens) * out, NAN));  // an unwritten element fails
    gemm.run(nullptr, shape, algos[i], dx.get(), dw.get(), db.get(), dy.get(), workspace.get());
    EXPECT_LE(max_abs_diff(to_host(dy), want, want.size()), tolerance)
        << tokens << " x " << out << " x " << in << ", algorithm " << i << " of " << algos.size();
  }
}

template <typename T>
class CudaGemmTest : public ::testing::Test {
 protected:
  void SetUp() override { ACGS_SKIP_WITHOUT_CUDA(); }
};
using Types = ::testing::Types<float, __half>;
TYPED_TEST_SUITE(CudaGemmTest, Types);

TYPED_TEST(CudaGemmTest, LinearWithBiasMatchesCpu) {
  using T = TypeParam;
  const LtGemm gemm(kCudaType<T>);
  for (auto [tokens, out, in] : {std::tuple{5, 37, 45}, std::tuple{16, 96, 64}, std::tuple{129, 768, 768},
                                 std::tuple{1, 3072, 768}})
    expect_every_algorithm_matches<T>(gemm, {tokens, out, in}, 4, {0, 0.5f, 0.5f}, sizeof(T) == 2 ? 1e-2 : 1e-4);
}

// fp16 mode's FFN1 GEMM: the GELU_BIAS epilogue against the exact (erf) GELU of the reference backend. The
// epilogue may use the tanh approximation (within 4.7e-4 of erf); the fp16 output rounding dominates.
TEST(CudaGemmGelu, GeluBiasEpilogueMatchesErfGeluInFp16) {
  ACGS_SKIP_WITHOUT_CUDA();
  ASSERT_EQ(gemm_epilogue(GemmKind::kFfn1, CUDA_R_16F), CUBLASLT_EPILOGUE_GELU_BIAS);
  ASSERT_EQ(gemm_epilogue(GemmKind::kFfn1, CUDA_R_32F), CUBLASLT_EPILOGUE_BIAS);
  const LtGemm gemm(CUDA_R_16F);
  for (auto [tokens, out, in] : {std::tuple{5, 37, 45}, std::tuple{129, 3072, 768}})
    expect_every_algorithm_matches<__half>(gemm, {tokens, out, in, CUBLASLT_EPILOGUE_GELU_BIAS}, 1, {10, 1.0f, 1.5f},
                                           1e-2);
}

// Tuned up to 64 tokens (measured times), heuristic above (time 0); the plan entries round-trip.
TEST(CudaAlgoTable, PlanEntriesRoundTripAndCoverEveryBucket) {
  ACGS_SKIP_WITHOUT_CUDA();
  ModelConfig c;
  c.dim = 64;
  c.hidden_dim = 128;
  c.n_heads = 2;
  const LtGemm gemm(CUDA_R_16F);
  const int capacity = 600, rows = round_tokens(capacity), widest = 3 * c.dim + c.hidden_dim;
  DeviceBuffer<__half> bias(widest), x(size_t(rows) * widest), w(size_t(widest) * widest), y(size_t(rows) * widest);
  for (const DeviceBuffer<__half>* b : {&bias, &x, &w, &y}) ACGS_CUDA(cudaMemset(b->get(), 0, b->bytes()));
  GemmOperands ops{};
  for (int k = 0; k < kGemmKinds; ++k) {
    ops.x[k] = x.get();
    ops.w[k] = w.get();
    ops.bias[k] = bias.get();
    ops.y[k] = y.get();
  }
  const Stream stream;
  DeviceBuffer<uint8_t> workspace(kGemmWorkspaceBytes);
  const AlgoTable table = AlgoTable::autotune(gemm, c, capacity, ops, stream.get(), workspace.get(), 64);
  EXPECT_EQ(table.buckets(), int(token_buckets(capacity).size()));
  const auto entries = table.to_plan(c);
  EXPECT_EQ(entries.size(), size_t(table.buckets()) * kGemmKinds);
  for (const auto& e : entries) EXPECT_EQ(e.time_us > 0.0f, e.m <= 64) << e.gemm << " at " << e.m;
  const AlgoTable back = AlgoTable::from_plan(gemm, c, capacity, ops, entries);
  for (int b = 0; b < table.buckets(); ++b)
    EXPECT_EQ(0, std::memcmp(&back.at(b, GemmKind::kFfn1), &table.at(b, GemmKind::kFfn1),
                             sizeof(cublasLtMatmulAlgo_t)));
  for (const auto& e : entries)  // fp16: GELU fused into FFN1 only
    EXPECT_EQ(e.epilogue, uint32_t(e.gemm == "ffn1" ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_BIAS)) << e.gemm;
  auto missing = entries;
  missing.pop_back();
  EXPECT_THROW(AlgoTable::from_plan(gemm, c, capacity, ops, missing), Error);
}

TEST(CudaTokenBuckets, RoundUpAndIndexConsistently) {
  const auto buckets = token_buckets(8192);
  EXPECT_EQ(buckets.size(), 42u);
  for (int t = 1; t <= 8192; ++t) {
    const int i = token_bucket_index(t);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, int(buckets.size()));
    ASSERT_EQ(buckets[i], round_tokens(t));
    ASSERT_GE(round_tokens(t), t);
  }
  EXPECT_EQ(round_sequences(5), 8);
  EXPECT_EQ(round_length(65), 128);
}

}  // namespace
}  // namespace acgs::cuda::test
