// Engine on the CPU backends (no CUDA plugin in reach, or one without a driver): the chain's choice and
// reasons, explicit and $ACGS_BACKEND overrides, plan problems detectable without a GPU, and that
// batching (sorting, token-budget splits) returns every result in input order.
#include <gtest/gtest.h>

#include <random>

#include "backend/reference/reference_backend.h"
#include "engine/batching.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "model/model_files.h"
#include "plan/plan_format.h"

namespace acgs {
namespace {

using test::ScopedEnv;
using test::tiny_model_dir;

const BackendAttempt& attempt(const Engine& e, const std::string& name) {
  for (const auto& a : e.backends())
    if (a.name == name) return a;
  throw std::runtime_error("no attempt " + name);
}

TEST(Engine, CpuIsActiveAndCudaUnavailableWithAReason) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  const auto engine = Engine::open(tiny_model_dir().string());
  EXPECT_EQ(engine->active_backend(), "cpu");
  ASSERT_NE(engine->backend(), nullptr);
  for (const char* cuda : {"cuda-fp16", "cuda-fp32"}) {
    const BackendAttempt& a = attempt(*engine, cuda);
    EXPECT_FALSE(a.available);
    EXPECT_EQ(a.state, "skipped");
    EXPECT_FALSE(a.reason.empty());
  }
  EXPECT_EQ(attempt(*engine, "cpu-int8").state, "not in chain");
  EXPECT_EQ(attempt(*engine, "reference").state, "not tried");
  EXPECT_TRUE(attempt(*engine, "reference").available);

  const auto j = engine->status_json();
  EXPECT_EQ(j["constitutional_hash"], "cdd01ef066bc6cf2");
  EXPECT_EQ(j["active_backend"], "cpu");
  EXPECT_EQ(j["backends"].size(), 5u);
  EXPECT_EQ(j["backends"][0]["name"], "cuda-fp16");
  EXPECT_TRUE(j["backends"][0].contains("reason"));
  EXPECT_EQ(j["model"]["format"], "safetensors");
  EXPECT_EQ(j["model"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["model"]["config"]["dim"], engine->config().dim);
  EXPECT_FALSE(j["plan"]["valid"]);
  EXPECT_FALSE(j["versions"]["utf8proc"].get<std::string>().empty());
}

TEST(Engine, Int8JoinsTheChainOnlyWhenAsked) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  EngineOptions o;
  o.allow_int8 = true;
  EXPECT_EQ(Engine::open(tiny_model_dir().string(), o)->active_backend(), "cpu-int8");
}

TEST(Engine, ExplicitUnavailableBackendIsAnErrorWithTheReason) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  EngineOptions o;
  o.backend = "cuda-fp16";
  test::expect_error([&] { Engine::open(tiny_model_dir().string(), o); }, ErrorKind::kUnavailable,
                     {"cuda-fp16 backend unavailable: "});
  o.backend = "tpu";
  test::expect_error([&] { Engine::open(tiny_model_dir().string(), o); }, ErrorKind::kInvalidArgument,
                     {"unknown backend 'tpu'", "cpu-int8"});
}

TEST(Engine, EnvironmentOverridesTheChainAndOptionsOverrideTheEnvironment) {
  ScopedEnv env("ACGS_BACKEND", "reference");
  EXPECT_EQ(Engine::open(tiny_model_dir().string())->active_backend(), "reference");
  EngineOptions o;
  o.backend = "cpu";
  EXPECT_EQ(Engine::open(tiny_model_dir().string(), o)->active_backend(), "cpu");
  ScopedEnv cuda("ACGS_BACKEND", "cuda-fp32");
  test::expect_error([] { Engine::open(tiny_model_dir().string()); }, ErrorKind::kUnavailable,
                     {"cuda-fp32 backend unavailable"});
  ScopedEnv automatic("ACGS_BACKEND", "auto");
  EXPECT_EQ(Engine::open(tiny_model_dir().string())->active_backend(), "cpu");
}

// Plan problems that need no GPU to see: the file is corrupt, or the model changed since it was built.
TEST(Engine, PlanProblemsAreReportedWithoutAGpu) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  test::TempDir tmp;
  const std::string sha = load_weights(locate_model(tiny_model_dir())).sha256;
  EngineOptions o;

  o.plan_path = (tmp / "corrupt.plan").string();
  test::write_text(o.plan_path, "ACGSPLAN but then garbage");
  auto j = Engine::open(tiny_model_dir().string(), o)->status_json();
  EXPECT_TRUE(j["plan"]["exists"]);
  EXPECT_FALSE(j["plan"]["valid"]);
  EXPECT_NE(j["plan"]["why_invalid"].get<std::string>().find("too short for a plan"), std::string::npos)
      << j["plan"].dump();
  EXPECT_EQ(j["active_backend"], "cpu");

  plan::PlanHeader h;
  h.model_sha256 = std::string(64, '0');
  h.precision = "fp16";
  h.max_batch = 64;
  h.max_seq = 128;
  h.gpu_name = "Some GPU";
  o.plan_path = (tmp / "stale.plan").string();
  plan::PlanWriter(h).write(o.plan_path);
  j = Engine::open(tiny_model_dir().string(), o)->status_json();
  EXPECT_FALSE(j["plan"]["valid"]);
  EXPECT_NE(j["plan"]["why_invalid"].get<std::string>().find("model changed since the plan was built"),
            std::string::npos)
      << j["plan"].dump();

  h.model_sha256 = sha;
  plan::PlanWriter(h).write(o.plan_path);
  j = Engine::open(tiny_model_dir().string(), o)->status_json();
  EXPECT_TRUE(j["plan"]["valid"]) << j["plan"].dump();
  EXPECT_EQ(j["active_backend"], "cpu");
}

TEST(Batching, SortsByLengthAndRespectsBothLimits) {
  TokenBatch b;
  for (int len : {5, 1, 9, 3, 3, 7, 2}) b.add(std::vector<int32_t>(static_cast<size_t>(len), len));
  const auto chunks = split_batch(b, 3, 10);
  std::vector<int> seen;
  int prev_len = 0;
  for (const BatchChunk& c : chunks) {
    EXPECT_LE(c.batch.size(), 3);
    EXPECT_TRUE(c.batch.total_tokens() <= 10 || c.batch.size() == 1);
    for (int s = 0; s < c.batch.size(); ++s) {
      const int seq = c.sequences[static_cast<size_t>(s)];
      EXPECT_EQ(c.batch.length(s), b.length(seq));
      EXPECT_GE(c.batch.length(s), prev_len);
      prev_len = c.batch.length(s);
      seen.push_back(seq);
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(split_batch(b, 64, 1).size(), 7u);  // every sequence exceeds the budget: one per call
  test::expect_error([&] { split_batch(b, 0, 10); }, ErrorKind::kInvalidArgument, {"max batch 0"});
}

// Mixed lengths through small batch limits: every sequence's result equals running it alone.
TEST(Engine, MixedLengthsComeBackInInputOrder) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  EngineOptions o;
  o.backend = "reference";
  o.max_batch = 3;
  o.token_budget = 40;
  const auto engine = Engine::open(tiny_model_dir().string(), o);
  const int dim = engine->config().dim;
  std::mt19937 rng(3);
  TokenBatch batch;
  for (int i = 0; i < 17; ++i) {
    std::vector<int32_t> ids(static_cast<size_t>(2 + rng() % 30));
    for (auto& id : ids) id = static_cast<int32_t>(rng() % engine->config().vocab_size);
    batch.add(ids);
  }
  const std::vector<float> hidden = engine->forward(batch);
  std::vector<float> pooled(static_cast<size_t>(batch.size() * dim));
  engine->embed_tokens(batch, Pooling::kMean, true, pooled);
  Backend& alone = *engine->backend();
  for (int s = 0; s < batch.size(); ++s) {
    TokenBatch one;
    one.add(batch.sequence(s));
    std::vector<float> h(static_cast<size_t>(one.total_tokens() * dim)), p(static_cast<size_t>(dim));
    alone.forward(one, h);
    alone.embed(one, Pooling::kMean, true, p);
    for (size_t i = 0; i < h.size(); ++i)
      ASSERT_NEAR(hidden[static_cast<size_t>(batch.offsets[s] * dim) + i], h[i], 1e-5f) << "sequence " << s;
    for (int i = 0; i < dim; ++i)
      ASSERT_NEAR(pooled[static_cast<size_t>(s * dim + i)], p[static_cast<size_t>(i)], 1e-5f);
  }
  TokenBatch bad;
  bad.add(std::vector<int32_t>{1, engine->config().vocab_size});
  test::expect_error([&] { engine->forward(bad); }, ErrorKind::kInvalidArgument, {});
}

TEST(Engine, EmbedTextsMatchesTokenizedEmbed) {
  ScopedEnv env("ACGS_BACKEND", nullptr);
  const auto engine = Engine::open(tiny_model_dir().string());
  const std::vector<std::string> texts = {"hello world", "", "The agent requests access to the policy store."};
  const std::vector<float> a = engine->embed(texts, {Pooling::kMean, true, 128});
  std::vector<float> b(a.size());
  engine->embed_tokens(engine->tokenizer().encode_packed(texts, 128), Pooling::kMean, true, b);
  EXPECT_EQ(a, b);
  test::expect_error([&] { engine->embed(texts, {Pooling::kMean, true, 1}); }, ErrorKind::kInvalidArgument,
                     {"max_length 1"});
}

}  // namespace
}  // namespace acgs
