// The CUDA backend end to end, through the real plugin and the engine's loader, against the reference
// backend on synthetic models: FP16 hidden states within 2e-2 and mean-pooled cosine >= 0.9999, FP32 within
// 1e-3; graph replay bit-identical to direct launches; 4 concurrent callers; batches split to the capacity;
// plans built, loaded and rejected when stale.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <tuple>

#include <unistd.h>

#include "backend/pooling.h"
#include "backend/reference/reference_backend.h"
#include "common/error.h"
#include "engine/cuda_plugin.h"
#include "model/synth.h"
#include "plan/plan_format.h"

namespace acgs {
namespace {

#define ACGS_SKIP_WITHOUT_CUDA()                                                  \
  do {                                                                            \
    const cuda::DeviceReport report_ = probe_cuda_device(0);                      \
    if (!report_.available) {                                                     \
      std::printf("skipped: no CUDA device (%s)\n", report_.reason.c_str());      \
      GTEST_SKIP() << "skipped: no CUDA device (" << report_.reason << ")";       \
    }                                                                             \
  } while (0)

std::shared_ptr<const ModelWeights> model(int dim, int heads, int hidden, uint64_t seed) {
  ModelConfig c = synth_preset("tiny");
  c.vocab_size = 2000;
  c.dim = dim;
  c.n_heads = heads;
  c.hidden_dim = hidden;
  c.n_layers = 2;
  auto w = std::make_shared<ModelWeights>(synth_weights(c, seed));
  w->sha256 = "synthetic-" + std::to_string(dim) + "-" + std::to_string(seed);
  return w;
}

TokenBatch batch_of(const std::vector<int>& lengths, int vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> id(0, vocab - 1);
  TokenBatch b;
  for (int len : lengths) {
    std::vector<int32_t> seq(static_cast<size_t>(len));
    for (auto& t : seq) t = id(rng);
    b.add(seq);
  }
  return b;
}

std::vector<float> forward(Backend& backend, const TokenBatch& batch) {
  std::vector<float> out(size_t(batch.total_tokens()) * backend.config().dim);
  backend.forward(batch, out);
  return out;
}

std::vector<float> embed(Backend& backend, const TokenBatch& batch, Pooling pooling, bool normalize) {
  std::vector<float> out(size_t(batch.size()) * backend.config().dim);
  backend.embed(batch, pooling, normalize, out);
  return out;
}

double max_abs(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    if (!(d <= worst)) worst = std::isnan(d) ? INFINITY : d;
  }
  return worst;
}

double min_cosine(const std::vector<float>& a, const std::vector<float>& b, int dim) {
  double worst = 1;
  for (size_t r = 0; r < a.size(); r += dim) {
    double ab = 0, aa = 0, bb = 0;
    for (int j = 0; j < dim; ++j) {
      ab += double(a[r + j]) * b[r + j];
      aa += double(a[r + j]) * a[r + j];
      bb += double(b[r + j]) * b[r + j];
    }
    worst = std::min(worst, ab / std::sqrt(aa * bb));
  }
  return worst;
}

std::unique_ptr<Backend> cuda_backend(std::shared_ptr<const ModelWeights> w, const std::string& precision,
                                      int max_batch = 64, int max_seq = 128, const std::string& plan = "") {
  cuda::CudaOptions o;
  o.precision = precision;
  o.max_batch = max_batch;
  o.max_seq = max_seq;
  o.plan_path = plan;
  return create_cuda_backend(std::move(w), o);
}

const std::vector<int> kMixedLengths = {1, 512, 37, 128, 5, 64, 65};
// CUBLASLT_EPILOGUE_BIAS's value (cublasLt.h); this test goes through the plugin and includes no CUDA header.
constexpr uint32_t kEpilogueBias = 4;

// Sets ACGS_CUDA_ATTENTION (which fp16 attention kernel backends created meanwhile run) for one scope.
class AttentionKernelScope {
 public:
  explicit AttentionKernelScope(const char* kernel) { setenv("ACGS_CUDA_ATTENTION", kernel, 1); }
  ~AttentionKernelScope() { unsetenv("ACGS_CUDA_ATTENTION"); }
  AttentionKernelScope(const AttentionKernelScope&) = delete;
  AttentionKernelScope& operator=(const AttentionKernelScope&) = delete;
};

// ACGS_CUDA_TUNE=0 for one scope: backends created meanwhile take cuBLASLt's first heuristic choice instead of
// timing candidates, so two of them run the same GEMM algorithms.
class NoTuningScope {
 public:
  NoTuningScope() { setenv("ACGS_CUDA_TUNE", "0", 1); }
  ~NoTuningScope() { unsetenv("ACGS_CUDA_TUNE"); }
  NoTuningScope(const NoTuningScope&) = delete;
  NoTuningScope& operator=(const NoTuningScope&) = delete;
};

struct ParityCase {
  const char* precision;
  double hidden_tol;
  const char* attention;  // ACGS_CUDA_ATTENTION: auto (the startup probe decides), wmma or mma
};

class CudaParityTest : public ::testing::TestWithParam<ParityCase> {
 protected:
  void SetUp() override { ACGS_SKIP_WITHOUT_CUDA(); }
};

TEST_P(CudaParityTest, MatchesReferenceOnOddAndFastPathShapes) {
  // dim 128 / head_dim 64: vectorized and tensor-core paths; dim 90 / head_dim 15: every scalar fallback.
  for (auto [dim, heads, hidden] : {std::tuple{128, 2, 512}, std::tuple{90, 6, 130}}) {
    const auto w = model(dim, heads, hidden, 7);
    const auto reference = make_reference_backend(w);
    const AttentionKernelScope attention(GetParam().attention);
    const auto cuda = cuda_backend(w, GetParam().precision);
    const TokenBatch batch = batch_of(kMixedLengths, w->config.vocab_size, 1);
    const auto want = forward(*reference, batch);
    const std::string what = std::string(GetParam().precision) + " " + GetParam().attention + " dim " +
                             std::to_string(dim) + " (" + cuda->info().notes + ")";
    // fp16 backends say which attention kernel they run and why (status shows it).
    if (std::string(GetParam().precision) == "fp16") {
      EXPECT_EQ(cuda->info().notes.rfind("attention: ", 0), 0u) << what;
    }
    EXPECT_LE(max_abs(forward(*cuda, batch), want), GetParam().hidden_tol) << what;
    for (auto [pooling, normalize] : {std::pair{Pooling::kMean, false}, std::pair{Pooling::kCls, true}}) {
      std::vector<float> pooled_want(size_t(batch.size()) * dim);
      pool(batch, dim, want, pooling, normalize, pooled_want);
      const auto pooled = embed(*cuda, batch, pooling, normalize);
      EXPECT_GE(min_cosine(pooled, pooled_want, dim), 0.9999) << what;
      EXPECT_LE(max_abs(pooled, pooled_want), GetParam().hidden_tol) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Precisions, CudaParityTest,
                         ::testing::Values(ParityCase{"fp16", 2e-2, "auto"}, ParityCase{"fp16", 2e-2, "wmma"},
                                           ParityCase{"fp16", 2e-2, "mma"}, ParityCase{"fp32", 1e-3, "auto"}),
                         [](const auto& info) {
                           return std::string(info.param.precision) + "_" + info.param.attention;
                         });

class CudaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override { ACGS_SKIP_WITHOUT_CUDA(); }
};

// Same buckets (tokens, sequences, longest length), different contents: the second and third runs replay the
// graphs (one per output mode) captured after the first with new batch data behind the same pointers.
void expect_graph_replay_matches(Backend& direct, Backend& graphed) {
  const TokenBatch a = batch_of({40, 30, 9}, 2000, 4), b = batch_of({33, 41, 2}, 2000, 5);
  for (const TokenBatch* batch : {&a, &b, &a}) {
    const auto want = forward(direct, *batch);
    const auto got = forward(graphed, *batch);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float))) << graphed.info().notes;
    for (auto [pooling, normalize] : {std::pair{Pooling::kMean, true}, std::pair{Pooling::kCls, false}}) {
      const auto pooled_want = embed(direct, *batch, pooling, normalize);
      const auto pooled = embed(graphed, *batch, pooling, normalize);
      EXPECT_EQ(0, std::memcmp(pooled.data(), pooled_want.data(), pooled.size() * sizeof(float)))
          << graphed.info().notes;
    }
  }
}

// BERT on the GPU (needs a device; not yet run on one): the token-type row folded into the position rows at
// pack time, head_dim 32 (MiniLM / bge-small), host-side max pooling; a non-GELU activation is refused with
// a reason (kUnavailable), so the engine's chain moves on to the CPU backends.
TEST(CudaBert, RunsMiniLmShapesAndRefusesOtherActivations) {
  ACGS_SKIP_WITHOUT_CUDA();
  ModelConfig c = synth_preset("minilm-l6");
  c.vocab_size = 2000;
  c.n_layers = 2;
  auto w = std::make_shared<ModelWeights>(synth_weights(c, 21));
  w->sha256 = "synthetic-bert";
  const auto reference = make_reference_backend(w);
  const TokenBatch batch = batch_of({1, 37, 128, 5}, 2000, 8);
  for (const char* precision : {"fp32", "fp16"}) {
    const auto gpu = cuda_backend(w, precision);
    EXPECT_LE(max_abs(forward(*gpu, batch), forward(*reference, batch)), precision[2] == '3' ? 1e-3 : 2e-2);
    EXPECT_LE(max_abs(embed(*gpu, batch, Pooling::kMax, true), embed(*reference, batch, Pooling::kMax, true)),
              precision[2] == '3' ? 1e-3 : 2e-2);
  }
  auto relu = std::make_shared<ModelWeights>(*w);
  relu->config.activation = "relu";
  try {
    cuda_backend(relu, "fp32");
    ADD_FAILURE() << "a relu model was accepted by the CUDA backend";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("relu"), std::string::npos) << e.what();
  }
}

TEST_F(CudaBackendTest, GraphReplayGivesTheBitsOfDirectLaunches) {
  const auto w = model(128, 2, 512, 3);
  // The attention kernel and the GEMM algorithms are fixed: under auto / tuning, two backends may time
  // their candidates differently and pick different ones, whose results differ in the last bits.
  const NoTuningScope no_tuning;
  for (const char* kernel : {"wmma", "mma"}) {
    const AttentionKernelScope attention(kernel);
    setenv("ACGS_CUDA_GRAPHS", "0", 1);
    const auto direct = cuda_backend(w, "fp16");
    unsetenv("ACGS_CUDA_GRAPHS");
    const auto graphed = cuda_backend(w, "fp16");
    expect_graph_replay_matches(*direct, *graphed);
  }
}

TEST_F(CudaBackendTest, ConcurrentCallersGetTheirOwnResults) {
  const auto w = model(128, 2, 512, 5);
  const auto cuda = cuda_backend(w, "fp16");
  std::vector<TokenBatch> batches;
  std::vector<std::vector<float>> want;
  for (int i = 0; i < 4; ++i) {
    batches.push_back(batch_of({1 + 17 * i, 128 - 9 * i, 3 + i}, 2000, 10 + i));
    want.push_back(forward(*cuda, batches.back()));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 10; ++round) {
        const auto got = forward(*cuda, batches[i]);
        if (std::memcmp(got.data(), want[i].data(), got.size() * sizeof(float)) != 0) ++mismatches[i];
      }
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(mismatches[i], 0) << "caller " << i;
}

TEST_F(CudaBackendTest, SplitsBatchesBeyondTheCapacity) {
  const auto w = model(128, 2, 512, 6);
  const auto reference = make_reference_backend(w);
  // 2 sequences per run, 16 tokens nominal: 512-token capacity (any single sequence fits), so this batch
  // runs in several pieces, and sequences longer than max_seq still work.
  const auto cuda = cuda_backend(w, "fp32", 2, 16);
  const TokenBatch batch = batch_of({300, 300, 4, 512, 1}, 2000, 7);
  EXPECT_LE(max_abs(forward(*cuda, batch), forward(*reference, batch)), 1e-3);
  std::vector<float> pooled_want(size_t(batch.size()) * 128);
  pool(batch, 128, forward(*reference, batch), Pooling::kMean, true, pooled_want);
  EXPECT_LE(max_abs(embed(*cuda, batch, Pooling::kMean, true), pooled_want), 1e-4);
}

TEST_F(CudaBackendTest, RejectsBadInput) {
  const auto cuda = cuda_backend(model(128, 2, 512, 8), "fp16");
  TokenBatch bad = batch_of({5}, 2000, 9);
  bad.ids[2] = 2000;
  std::vector<float> out(size_t(5) * 128);
  EXPECT_THROW(cuda->forward(bad, out), Error);
  const TokenBatch ok = batch_of({5}, 2000, 9);
  std::vector<float> wrong_size(10);
  EXPECT_THROW(cuda->forward(ok, wrong_size), Error);
}

TEST_F(CudaBackendTest, PlanRoundTripAndStalePlans) {
  const auto w = model(128, 2, 512, 9);
  const auto path = std::filesystem::temp_directory_path() / ("acgs_cuda_test_" + std::to_string(getpid()) + ".plan");
  cuda::CudaOptions o;
  o.precision = "fp16";
  o.max_batch = 8;
  o.max_seq = 64;
  build_cuda_plan(*w, o, path);
  const auto reference = make_reference_backend(w);
  const auto planned = cuda_backend(w, "fp16", 8, 64, path.string());
  const TokenBatch batch = batch_of({64, 3, 17}, 2000, 11);
  EXPECT_LE(max_abs(forward(*planned, batch), forward(*reference, batch)), 2e-2);

  auto changed = std::make_shared<ModelWeights>(*w);
  changed->sha256 = "another-model";
  try {
    cuda_backend(changed, "fp16", 8, 64, path.string());
    ADD_FAILURE() << "a plan for another model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cuda_backend(w, "fp32", 8, 64, path.string()), Error);  // built for fp16
  EXPECT_THROW(cuda_backend(w, "fp16", 64, 128, path.string()), Error);  // built for a smaller capacity

  // A plan from before the fp16 FFN1 GEMM fused GELU (BIAS epilogue there) must be rebuilt, not run
  // without its GELU.
  const plan::PlanData data = plan::read_plan_file(path);
  plan::PlanHeader old = data.header;
  for (plan::GemmAlgo& a : old.algos)
    if (a.gemm == "ffn1") a.epilogue = kEpilogueBias;
  old.blobs.clear();
  plan::PlanWriter writer(old);
  for (const plan::BlobInfo& b : data.header.blobs)
    writer.add_blob(b.name, b.dtype, b.shape, plan::blob_bytes(data, b));
  writer.write(path);
  try {
    cuda_backend(w, "fp16", 8, 64, path.string());
    ADD_FAILURE() << "an fp16 plan without the fused GELU epilogue was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rebuild it"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace acgs
