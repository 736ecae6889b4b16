// The continuous batcher: results reach their callers in order, a free engine takes whatever is queued
// (and never waits for company unless asked), budgets hold, long requests are not passed over, errors
// propagate, and a merged batch gives the same rows as its requests run one by one (real tiny model).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "server/batcher.h"

namespace acgs::server {
namespace {

// A fake engine: row s of the output is (first token id, sequence length, call number). Each call can be
// held at a gate until the test opens it, so the test decides what is queued while the engine is busy.
struct FakeEngine {
  std::atomic<int> calls{0};
  std::atomic<int> max_sequences{0};
  std::mutex mu;
  std::condition_variable cv;
  bool gate_open = true;
  int entered = 0;

  void run(const TokenBatch& batch, std::span<float> pooled) {
    const int call = calls++;
    int seen = max_sequences.load();
    while (batch.size() > seen && !max_sequences.compare_exchange_weak(seen, batch.size())) {
    }
    {
      std::unique_lock lock(mu);
      ++entered;
      cv.notify_all();
      cv.wait(lock, [&] { return gate_open; });
    }
    for (int s = 0; s < batch.size(); ++s) {
      pooled[size_t(s) * 3] = float(batch.sequence(s)[0]);
      pooled[size_t(s) * 3 + 1] = float(batch.length(s));
      pooled[size_t(s) * 3 + 2] = float(call);
    }
  }
  void close_gate() {
    std::lock_guard lock(mu);
    gate_open = false;
  }
  void open_gate() {
    {
      std::lock_guard lock(mu);
      gate_open = true;
    }
    cv.notify_all();
  }
  void wait_entered(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return entered >= n; });
  }
};

Batcher::RunFn runner(FakeEngine& engine) {
  return [&engine](const TokenBatch& b, std::span<float> p) { engine.run(b, p); };
}

TokenBatch sequences(std::initializer_list<std::pair<int32_t, int>> firsts_and_lengths) {
  TokenBatch b;
  for (const auto& [first, length] : firsts_and_lengths) {
    std::vector<int32_t> ids(size_t(length), 7);
    ids[0] = first;
    b.add(ids);
  }
  return b;
}

TokenBatch one_sequence(int32_t first, int length) { return sequences({{first, length}}); }

// The callback API as a future (nullopt when the batcher refuses the request).
std::optional<std::future<std::vector<float>>> submit(Batcher& batcher, TokenBatch tokens, bool normalize = false) {
  auto promise = std::make_shared<std::promise<std::vector<float>>>();
  auto future = promise->get_future();
  if (!batcher.submit(std::move(tokens), normalize, [promise](BatchResult r) {
        if (r.error) promise->set_exception(r.error);
        else promise->set_value(std::move(r.rows));
      }))
    return std::nullopt;
  return future;
}

TEST(Batcher, ResultsReachTheirCallersInRequestOrder) {
  FakeEngine engine;
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 512}, 3, runner(engine), nullptr);
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 5; ++i) {
        // Three sequences per request: their rows must come back in the request's own order.
        const int first = 1000 + c * 10 + i;
        const std::vector<float> rows =
            submit(batcher, sequences({{first, 3 + c}, {first + 500, 1 + i}, {first + 900, 2}}))->get();
        if (rows.size() != 9 || rows[0] != float(first) || rows[1] != float(3 + c) || rows[3] != float(first + 500) ||
            rows[4] != float(1 + i) || rows[6] != float(first + 900))
          ++wrong;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Batcher, AFreeEngineTakesEverythingQueuedAndNeverWaitsForCompany) {
  FakeEngine engine;
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 512}, 3, runner(engine), nullptr);
  // Idle: each request runs at once, alone (no delay to wait for a second one).
  EXPECT_EQ(submit(batcher, one_sequence(1, 4))->get()[2], 0.f);
  EXPECT_EQ(submit(batcher, one_sequence(2, 4))->get()[2], 1.f);
  // Busy: what queues up while a batch runs becomes the next batch, whole.
  engine.close_gate();
  auto busy = submit(batcher, one_sequence(3, 4));
  engine.wait_entered(3);
  std::vector<std::future<std::vector<float>>> queued;
  for (int i = 0; i < 6; ++i) queued.push_back(*submit(batcher, one_sequence(10 + i, 4)));
  engine.open_gate();
  EXPECT_EQ(busy->get()[2], 2.f);
  for (auto& f : queued) EXPECT_EQ(f.get()[2], 3.f) << "the six queued requests must share one batch";
  EXPECT_EQ(engine.calls, 4);
  EXPECT_EQ(engine.max_sequences, 6);
}

TEST(Batcher, RespectsTokenBudgetAndRequestCount) {
  FakeEngine engine;
  std::atomic<int> over_budget{0};
  Batcher batcher({100, 3, std::chrono::microseconds(0), 512}, 3,
                  [&](const TokenBatch& b, std::span<float> p) {
                    if (b.total_tokens() > 100 || b.size() > 3) ++over_budget;
                    engine.run(b, p);
                  },
                  nullptr);
  engine.close_gate();
  std::vector<std::future<std::vector<float>>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(*submit(batcher, one_sequence(i, 40)));
  futures.push_back(*submit(batcher, one_sequence(99, 300)));  // larger than the budget: runs alone
  engine.open_gate();
  for (auto& f : futures) f.get();
  EXPECT_EQ(over_budget, 1);  // only the oversized request's own batch
}

TEST(Batcher, LongRequestsAreNotPassedOver) {
  // A request over the token budget queued among short ones: batches follow arrival order, so everything
  // that arrived after it runs after it, however many short requests keep coming.
  FakeEngine engine;
  Batcher batcher({100, 8, std::chrono::microseconds(0), 512}, 3, runner(engine), nullptr);
  engine.close_gate();
  auto first = submit(batcher, one_sequence(1, 10));
  engine.wait_entered(1);
  std::vector<std::future<std::vector<float>>> before, after;
  for (int i = 0; i < 5; ++i) before.push_back(*submit(batcher, one_sequence(100 + i, 10)));
  auto long_one = submit(batcher, one_sequence(7, 250));
  for (int i = 0; i < 30; ++i) after.push_back(*submit(batcher, one_sequence(200 + i, 10)));
  engine.open_gate();
  first->get();
  const std::vector<float> long_rows = long_one->get();
  ASSERT_EQ(long_rows.size(), 3u);
  for (auto& f : before) EXPECT_LT(f.get()[2], long_rows[2]);
  for (auto& f : after) EXPECT_GT(f.get()[2], long_rows[2]);
}

TEST(Batcher, OptInDelayWaitsForCompanyWhenIdle) {
  FakeEngine engine;
  Batcher batcher({4096, 2, std::chrono::seconds(30), 512}, 3, runner(engine), nullptr);
  // Two requests fill max_batch_requests, so the batch starts without waiting out the 30 s.
  auto a = submit(batcher, one_sequence(1, 4));
  auto b = submit(batcher, one_sequence(2, 4));
  EXPECT_EQ(a->get()[2], 0.f);
  EXPECT_EQ(b->get()[2], 0.f);
  EXPECT_EQ(engine.max_sequences, 2);
}

TEST(Batcher, BoundedQueueRefusesAndErrorsPropagate) {
  std::atomic<bool> release{false}, entered{false};
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 2}, 3,
                  [&](const TokenBatch& b, std::span<float>) {
                    entered = true;
                    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    if (b.sequence(0)[0] == 13) throw Error(ErrorKind::kInternal, "boom");
                  },
                  nullptr);
  auto a = submit(batcher, one_sequence(13, 4));
  while (!entered) std::this_thread::yield();  // `a` runs alone, so `b` gets a batch of its own
  auto b = submit(batcher, one_sequence(14, 4));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(submit(batcher, one_sequence(15, 4)).has_value());
  EXPECT_EQ(batcher.admitted(), 2);
  release = true;
  EXPECT_THROW(a->get(), Error);
  b->get();
  batcher.stop();
  EXPECT_THROW(submit(batcher, one_sequence(16, 4)), Error);
}

TEST(Batcher, NormalizesPerRequest) {
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 8}, 2,
                  [](const TokenBatch& b, std::span<float> p) {
                    for (int s = 0; s < b.size(); ++s) p[size_t(s) * 2] = 3, p[size_t(s) * 2 + 1] = 4;
                  },
                  nullptr);
  EXPECT_EQ(submit(batcher, one_sequence(1, 2), true)->get(), (std::vector<float>{0.6f, 0.8f}));
  EXPECT_EQ(submit(batcher, one_sequence(1, 2), false)->get(), (std::vector<float>{3, 4}));
}

TEST(Batcher, AMergedBatchEqualsItsRequestsOneByOne) {
  const auto engine = Engine::open(test::tiny_model_dir().string(), [] {
    EngineOptions o;
    o.backend = "reference";
    o.threads = 1;
    return o;
  }());
  const int dim = engine->config().dim;
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;
  std::atomic<int> batches{0};
  Batcher batcher({4096, 64, std::chrono::microseconds(0), 64}, dim,
                  [&](const TokenBatch& b, std::span<float> p) {
                    {
                      std::unique_lock lock(mu);
                      cv.wait(lock, [&] { return !hold; });
                    }
                    ++batches;
                    engine->embed_tokens(b, Pooling::kMean, false, p);
                  },
                  nullptr);
  const std::vector<std::string> texts = {"hello", "agent deploy critical policy", "a", "the weather report for today",
                                          "emergency rollback of the production database"};
  const auto encode = [&](const std::string& text) {
    TokenBatch b;
    b.add(engine->tokenizer().encode(text, 128));
    return b;
  };
  std::vector<std::vector<float>> alone;
  for (const std::string& t : texts) alone.push_back(submit(batcher, encode(t), true)->get());
  ASSERT_EQ(batches, int(texts.size()));
  {
    std::lock_guard lock(mu);
    hold = true;
  }
  auto blocker = submit(batcher, one_sequence(engine->tokenizer().cls_id(), 3));
  std::vector<std::future<std::vector<float>>> together;
  for (const std::string& t : texts) together.push_back(*submit(batcher, encode(t), true));
  {
    std::lock_guard lock(mu);
    hold = false;
  }
  cv.notify_all();
  blocker->get();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::vector<float> rows = together[i].get();
    ASSERT_EQ(rows.size(), size_t(dim));
    for (int d = 0; d < dim; ++d) EXPECT_NEAR(rows[size_t(d)], alone[i][size_t(d)], 1e-6f) << texts[i] << " dim " << d;
  }
  EXPECT_LE(batches, int(texts.size()) + 2) << "the five queued requests should have been merged";
}

}  // namespace
}  // namespace acgs::server
