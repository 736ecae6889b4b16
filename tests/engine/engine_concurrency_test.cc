// 1,000 texts of random lengths embedded from 8 threads at once, in random slices, through one Engine:
// every result must equal the single-threaded run of the same text set (the CPU backend if it runs here).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "engine/engine_test_util.h"

namespace acgs {
namespace {

std::vector<std::string> random_texts(int n) {
  const std::vector<std::string> words = {"agent", "policy", "bus", "message", "access", "the", "deploy",
                                          "rollback", "quorum", "café", "東京", "vote", "token", "a", "!"};
  std::mt19937 rng(11);
  std::vector<std::string> texts;
  for (int i = 0; i < n; ++i) {
    std::string t;
    for (int w = static_cast<int>(rng() % 90); w > 0; --w) t += words[rng() % words.size()] + " ";
    texts.push_back(t);
  }
  return texts;
}

TEST(EngineConcurrency, EightThreadsMatchTheSingleThreadedRun) {
  test::ScopedEnv env("ACGS_BACKEND", nullptr);
  EngineOptions o;
  o.max_batch = 16;
  o.token_budget = 512;
  o.threads = 1;  // the callers are the parallelism here; a shared pool would serialize them anyway
  const auto engine = Engine::open(test::tiny_model_dir().string(), o);
  ASSERT_NE(engine->backend(), nullptr);
  const int dim = engine->config().dim;
  const std::vector<std::string> texts = random_texts(1000);
  const EmbedOptions eo{Pooling::kMean, true, 128};

  std::vector<float> expected(texts.size() * static_cast<size_t>(dim));
  for (size_t i = 0; i < texts.size(); ++i)
    engine->embed(std::span(texts).subspan(i, 1), eo, std::span(expected).subspan(i * dim, dim));

  std::vector<float> got(expected.size(), NAN);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      // Thread t owns texts [125t, 125t+125), embedded in random slices of 1..40 texts.
      for (size_t begin = 125u * t, end = begin + 125; begin < end;) {
        const size_t n = std::min<size_t>(1 + rng() % 40, end - begin);
        engine->embed(std::span(texts).subspan(begin, n), eo, std::span(got).subspan(begin * dim, n * dim));
        begin += n;
      }
    });
  }
  for (auto& th : threads) th.join();
  // A text's embedding may differ in the last bits with the batch it rode in (GEMM blocking), not more.
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], 1e-5f) << "text " << i / dim << " (" << engine->active_backend() << ")";
}

}  // namespace
}  // namespace acgs
