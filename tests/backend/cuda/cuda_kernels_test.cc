// Each CUDA kernel against a CPU computation in fp64/fp32 on odd shapes: dims that are not multiples of the
// vector width, sequences of length 1 and 512 together, random mixes. Outputs are poisoned (NaN) first so
// an unwritten element fails, and rows past the device-side counts must stay untouched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/elementwise.h"
#include "backend/cuda/kernels/layer_norm.h"
#include "backend/cuda/kernels/pooling.h"
#include "backend/pooling.h"
#include "backend/reference/reference_ops.h"
#include "cuda_test_util.h"

namespace acgs::cuda::test {
namespace {

// Output tolerance: fp16 results are rounded to 11 significant bits (values here stay below ~8).
template <typename T>
double tolerance() {
  return sizeof(T) == 2 ? 8e-3 : 1e-4;
}

// A packed batch on the device, built from sequence lengths.
struct TestBatch {
  explicit TestBatch(const std::vector<int>& lengths, int vocab = 1) {
    offsets.push_back(0);
    for (int len : lengths) offsets.push_back(offsets.back() + len);
    std::vector<int> ints = {offsets.back(), int(lengths.size())};
    ints.insert(ints.end(), offsets.begin(), offsets.end());
    if (ints.size() % 2) ints.push_back(0);
    tokens_at = ints.size();
    for (size_t s = 0; s < lengths.size(); ++s)
      for (int p = 0; p < lengths[s]; ++p) {
        ints.push_back(int((offsets[s] + p) * 7919 % vocab));
        ints.push_back(p);
      }
    host = ints;
    device = DeviceBuffer<int>(ints.size());
    ACGS_CUDA(cudaMemcpy(device.get(), ints.data(), ints.size() * sizeof(int), cudaMemcpyHostToDevice));
  }
  DeviceBatch view() const {
    const int* d = device.get();
    return {d, d + 2, reinterpret_cast<const int2*>(d + tokens_at)};
  }
  int tokens() const { return offsets.back(); }
  int sequences() const { return int(offsets.size()) - 1; }
  int id(int t) const { return host[tokens_at + 2 * t]; }
  int position(int t) const { return host[tokens_at + 2 * t + 1]; }
  int longest() const {
    int m = 0;
    for (size_t i = 1; i < offsets.size(); ++i) m = std::max(m, offsets[i] - offsets[i - 1]);
    return m;
  }

  std::vector<int> offsets, host;
  size_t tokens_at = 0;
  DeviceBuffer<int> device;
};

template <typename T>
class CudaKernelTest : public ::testing::Test {
 protected:
  void SetUp() override { ACGS_SKIP_WITHOUT_CUDA(); }
};
using Types = ::testing::Types<float, __half>;
TYPED_TEST_SUITE(CudaKernelTest, Types);

// Rows [valid, rows) must still hold NaN; rows below must match `want`.
void expect_rows(const std::vector<float>& got, const std::vector<float>& want, int valid, int rows, int dim,
                 double tol, const std::string& what) {
  EXPECT_LE(max_abs_diff(got, want, size_t(valid) * dim), tol) << what;
  for (size_t i = size_t(valid) * dim; i < size_t(rows) * dim; ++i)
    ASSERT_TRUE(std::isnan(got[i])) << what << ": row " << i / dim << " past the count was written";
}

// x = LN(x + y) over `rows` rows of which the first `valid` are counted.
template <typename T>
void check_add_layer_norm(int rows, int valid, int dim) {
  const auto x = stored<T>(random_values(size_t(rows) * dim, 1 + dim + rows));
  const auto y = stored<T>(random_values(size_t(rows) * dim, 2 + dim + rows));
  auto gamma = random_values(dim, 3 + dim, 0.1f), beta = random_values(dim, 4 + dim, 0.1f);
  for (float& g : gamma) g += 1.0f;
  std::vector<float> poisoned = x;
  std::fill(poisoned.begin() + size_t(valid) * dim, poisoned.end(), NAN);
  auto dx = to_device<T>(poisoned);
  const auto dy = to_device<T>(y);
  const auto dg = to_device<float>(gamma), db = to_device<float>(beta);
  const auto counts = to_device<int>({float(valid), 0});
  launch_add_layer_norm<T>(nullptr, counts.get(), rows, dx.get(), dy.get(), dg.get(), db.get(), dim, 1e-12f);
  std::vector<float> want(size_t(valid) * dim);
  for (size_t i = 0; i < want.size(); ++i) want[i] = x[i] + y[i];
  reference::layer_norm(want.data(), valid, dim, gamma.data(), beta.data(), 1e-12f);
  expect_rows(to_host(dx), want, valid, rows, dim, tolerance<T>(),
              "rows " + std::to_string(rows) + " dim " + std::to_string(dim));
}

// Dims for every register-cache size and for the three-pass path of wide rows (fp32 2048, 4096).
TYPED_TEST(CudaKernelTest, AddLayerNormMatchesCpuOnOddDims) {
  for (int dim : {1, 7, 37, 768, 771, 1024, 2048, 4096}) check_add_layer_norm<TypeParam>(12, 9, dim);
}

TYPED_TEST(CudaKernelTest, AddLayerNormMatchesCpuOnOddRowCounts) {
  for (int rows : {1, 7, 128, 129, 16384}) check_add_layer_norm<TypeParam>(rows + 3, rows, 768);
}

TYPED_TEST(CudaKernelTest, EmbeddingLayerNormRestartsPositionsPerSequence) {
  using T = TypeParam;
  const int vocab = 50, positions = 520;
  for (int dim : {37, 768}) {
    const TestBatch batch({1, 5, 512, 3}, vocab);
    const auto word = stored<T>(random_values(size_t(vocab) * dim, 5 + dim));
    const auto pos = stored<T>(random_values(size_t(positions) * dim, 6 + dim));
    auto gamma = random_values(dim, 7 + dim, 0.1f), beta = random_values(dim, 8 + dim, 0.1f);
    for (float& g : gamma) g += 1.0f;
    const int rows = batch.tokens() + 5;
    auto out = to_device<T>(std::vector<float>(size_t(rows) * dim, NAN));
    const auto dw = to_device<T>(word), dp = to_device<T>(pos);
    const auto dg = to_device<float>(gamma), db = to_device<float>(beta);
    launch_embedding_layer_norm<T>(nullptr, batch.view(), rows, dw.get(), dp.get(), dg.get(), db.get(), dim,
                                   1e-12f, out.get());
    std::vector<float> want(size_t(batch.tokens()) * dim);
    for (int t = 0; t < batch.tokens(); ++t)
      for (int j = 0; j < dim; ++j)
        want[size_t(t) * dim + j] = word[size_t(batch.id(t)) * dim + j] + pos[size_t(batch.position(t)) * dim + j];
    reference::layer_norm(want.data(), batch.tokens(), dim, gamma.data(), beta.data(), 1e-12f);
    expect_rows(to_host(out), want, batch.tokens(), rows, dim, tolerance<T>(), "dim " + std::to_string(dim));
  }
}

TYPED_TEST(CudaKernelTest, GeluIsTheExactErfForm) {
  using T = TypeParam;
  for (int cols : {7, 64, 3072}) {
    const int rows = 5, valid = 3;
    auto x = stored<T>(random_values(size_t(rows) * cols, 9 + cols, 2.0f));
    std::fill(x.begin() + size_t(valid) * cols, x.end(), NAN);
    auto dx = to_device<T>(x);
    const auto counts = to_device<int>({float(valid), 0});
    launch_gelu<T>(nullptr, counts.get(), rows, cols, dx.get());
    std::vector<float> want(size_t(valid) * cols);
    for (size_t i = 0; i < want.size(); ++i) want[i] = float(0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0))));
    expect_rows(to_host(dx), want, valid, rows, cols, tolerance<T>(), "cols " + std::to_string(cols));
  }
}

struct AttentionCase {
  int n_heads, head_dim;
  std::vector<int> lengths;
};

std::string describe(const AttentionCase& c) {
  std::ostringstream what;
  what << "heads " << c.n_heads << " head_dim " << c.head_dim << " lengths";
  for (int len : c.lengths) what << ' ' << len;
  return what.str();
}

// softmax(q·kᵀ/√d)·v per sequence and head, by the reference backend, from the packed [tokens, 3 * dim] qkv.
std::vector<float> reference_attention(const std::vector<float>& qkv, const TestBatch& batch, int n_heads,
                                       int head_dim) {
  const int dim = n_heads * head_dim;
  std::vector<float> want(size_t(batch.tokens()) * dim);
  for (int s = 0; s < batch.sequences(); ++s) {
    const int start = batch.offsets[s], len = batch.offsets[s + 1] - start;
    std::vector<float> q(size_t(len) * dim), k(q.size()), v(q.size());
    for (int t = 0; t < len; ++t)
      for (int j = 0; j < dim; ++j) {
        const size_t row = size_t(start + t) * 3 * dim;
        q[size_t(t) * dim + j] = qkv[row + j];
        k[size_t(t) * dim + j] = qkv[row + dim + j];
        v[size_t(t) * dim + j] = qkv[row + 2 * dim + j];
      }
    reference::attention(q.data(), k.data(), v.data(), len, n_heads, head_dim, want.data() + size_t(start) * dim);
  }
  return want;
}

// Runs `launch` on random qkv for `c` with a capacity above the real counts (the extra blocks must exit
// without writing) and returns max |device - reference|.
template <typename T, typename Launch>
double attention_error(const AttentionCase& c, Launch launch) {
  const TestBatch batch(c.lengths);
  const int dim = c.n_heads * c.head_dim, tokens = batch.tokens();
  const auto qkv = stored<T>(random_values(size_t(tokens) * 3 * dim, 10 + dim + tokens));
  const auto dqkv = to_device<T>(qkv);
  auto out = to_device<T>(std::vector<float>(size_t(tokens) * dim, NAN));
  const int seq_capacity = batch.sequences() + 3, max_len = (batch.longest() + 63) / 64 * 64 + 64;
  launch(batch.view(), seq_capacity, max_len, dqkv.get(), out.get());
  const std::vector<float> want = reference_attention(qkv, batch, c.n_heads, c.head_dim);
  return max_abs_diff(to_host(out), want, want.size());
}

TYPED_TEST(CudaKernelTest, AttentionMatchesCpuOnVariableLengths) {
  using T = TypeParam;
  const std::vector<AttentionCase> cases = {
      {2, 64, {1}},          {2, 64, {512}},     {2, 64, {1, 512}},   {3, 15, {7, 64, 65, 130, 3}},
      {1, 128, {100, 33}},   {4, 24, {200, 1, 17}}, {12, 64, {128, 37, 128}}, {5, 40, {129, 2}},
  };
  for (const auto& c : cases) {
    prepare_attention<T>(c.head_dim);
    const double err = attention_error<T>(c, [&](const DeviceBatch& b, int seqs, int max_len, const T* qkv, T* out) {
      launch_attention<T>(nullptr, b, seqs, max_len, qkv, c.n_heads, c.head_dim, out);
    });
    EXPECT_LE(err, tolerance<T>()) << describe(c);
  }
}

// The FlashAttention-2 style fp16 kernel on the lengths around its 64-row tiles, alone and mixed in one
// packed batch, for DistilBERT's 12 x 64 heads and for head dims that exercise the zero padding of every
// compile-time bound (32, 64, 128).
TEST(CudaAttentionMma, MatchesCpuOnOddLengths) {
  ACGS_SKIP_WITHOUT_CUDA();
  const std::vector<int> odd = {1, 7, 63, 64, 65, 128, 200, 512};
  std::vector<AttentionCase> cases;
  for (int len : odd) cases.push_back({12, 64, {len}});
  cases.push_back({12, 64, odd});
  cases.push_back({12, 64, {200, 1, 512, 7, 64, 128, 63, 65}});
  cases.push_back({3, 15, odd});
  cases.push_back({4, 24, {200, 1, 17}});
  cases.push_back({5, 40, {129, 2, 64}});
  cases.push_back({2, 128, odd});
  cases.push_back({1, 100, {100, 33}});
  for (const auto& c : cases) {
    prepare_attention_fp16_mma(c.head_dim);
    const double err =
        attention_error<__half>(c, [&](const DeviceBatch& b, int seqs, int max_len, const __half* qkv, __half* out) {
          launch_attention_fp16_mma(nullptr, b, seqs, max_len, qkv, c.n_heads, c.head_dim, out);
        });
    EXPECT_LE(err, tolerance<__half>()) << describe(c);
  }
}

// Lengths around the token groups (1, 7, 128, 129, 512), a 128 x 128 batch, and dims for each kernel shape:
// odd (scalar loads), 768 and 1024 (partial sums in shared memory), 4096 (fp32: one group, no shared memory).
TYPED_TEST(CudaKernelTest, PoolingMatchesHostPooling) {
  using T = TypeParam;
  for (const std::vector<int>& lengths : {std::vector<int>{1, 512, 5, 64, 7, 128, 129}, std::vector<int>(128, 128)}) {
    const TestBatch batch(lengths);
    TokenBatch host_batch;
    for (int len : lengths) host_batch.add(std::vector<int32_t>(size_t(len), 1));
    for (int dim : {37, 768, 1024, 4096}) {
      if (lengths.size() > 100 && dim != 768) continue;
      const auto hidden = stored<T>(random_values(size_t(batch.tokens()) * dim, 11 + dim));
      const auto dh = to_device<T>(hidden);
      for (const auto& [pooling, normalize] : {std::pair{Pooling::kMean, true}, std::pair{Pooling::kMean, false},
                                               std::pair{Pooling::kCls, true}}) {
        // Capacity past the real count: the extra sequences' blocks must exit without writing.
        const int capacity = batch.sequences() + 2;
        auto out = to_device<float>(std::vector<float>(size_t(capacity) * dim, NAN));
        launch_pool<T>(nullptr, batch.view(), capacity, dh.get(), dim, pooling == Pooling::kMean, normalize,
                       out.get());
        std::vector<float> want(size_t(batch.sequences()) * dim);
        pool(host_batch, dim, hidden, pooling, normalize, want);
        expect_rows(to_host(out), want, batch.sequences(), capacity, dim, 1e-5,
                    "dim " + std::to_string(dim) + " sequences " + std::to_string(batch.sequences()));
      }
    }
  }
}

TEST(CudaHalfToFloat, WidensOnlyCountedRows) {
  ACGS_SKIP_WITHOUT_CUDA();
  for (int cols : {5, 768}) {
    const auto x = stored<__half>(random_values(size_t(4) * cols, 12 + cols));
    const auto dx = to_device<__half>(x);
    auto out = to_device<float>(std::vector<float>(x.size(), NAN));
    const auto counts = to_device<int>({3, 0});
    launch_half_to_float(nullptr, counts.get(), 4, cols, dx.get(), out.get());
    expect_rows(to_host(out), x, 3, 4, cols, 0.0, "cols " + std::to_string(cols));
  }
}

}  // namespace
}  // namespace acgs::cuda::test
