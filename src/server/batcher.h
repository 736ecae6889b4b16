#pragma once
// The dynamic batcher: embedding requests from every connection are queued and merged into one packed
// engine batch (no padding between sequences) by a token budget, a request count and a maximum wait, then
// each request gets its own rows back through its future.
//
// One executor thread runs batches back to back; while a batch runs, new requests queue up, so under
// load the next batch is ready at once and the delay only applies when the server is idle-ish: a batch
// starts when it is full (max_batch_tokens or max_batch_requests) or when its oldest request has waited
// max_delay. A request's sequences always stay together; a request larger than the budget runs alone.
//
// Memory is bounded: at most max_pending requests are admitted (queued or running); submit() refuses
// more (the server answers 429), and every request is bounded by the payload and client-batch limits.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "model/token_batch.h"

namespace acgs::profiler {
struct ServiceMetrics;
}

namespace acgs::server {

struct BatcherOptions {
  int max_batch_tokens = 16384;
  int max_batch_requests = 256;
  std::chrono::microseconds max_delay{500};
  int max_pending = 512;
};

class Batcher {
 public:
  // run(batch, pooled): mean-pooled, unnormalized rows [batch.size(), dim] for a packed batch.
  using RunFn = std::function<void(const TokenBatch&, std::span<float>)>;

  // metrics may be null.
  Batcher(BatcherOptions options, int dim, RunFn run, profiler::ServiceMetrics* metrics);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues one request's sequences; the future yields [sequences.size(), dim] rows (L2-normalized when
  // `normalize`) or the engine's exception. nullopt when max_pending requests are already admitted.
  // Throws Error(kUnavailable) after stop().
  std::optional<std::future<std::vector<float>>> submit(TokenBatch sequences, bool normalize);

  // Runs everything already queued, then joins the executor. Idempotent.
  void stop();

  int dim() const { return dim_; }

 private:
  struct Job {
    TokenBatch tokens;
    bool normalize = false;
    std::chrono::steady_clock::time_point enqueued;
    std::promise<std::vector<float>> result;
  };

  void loop();
  bool batch_full() const;  // mu_ held
  std::vector<Job> take();  // mu_ held; the next batch, oldest first
  void run(std::vector<Job>& jobs);
  void release(size_t jobs);

  const BatcherOptions options_;
  const int dim_;
  const RunFn run_;
  profiler::ServiceMetrics* metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  long queued_tokens_ = 0;
  int admitted_ = 0;  // queued + running
  bool stopping_ = false;
  std::thread executor_;
};

// Scales each of `rows` rows of `width` floats to unit L2 norm (a zero row stays zero).
void l2_normalize_rows(std::span<float> data, int width);

}  // namespace acgs::server
