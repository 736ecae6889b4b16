#pragma once
// The continuous batcher: embedding requests from every connection are queued and merged into one packed
// engine batch (no padding between sequences); each request gets its own rows back through its callback.
//
// One executor thread runs batches back to back. The moment the engine is free it takes everything
// queued, oldest first, up to max_batch_tokens and max_batch_requests, so an idle server starts a lone
// request at once and a busy one forms the next batch while the current one runs (TEI's continuous
// batching). max_delay > 0 makes an idle engine wait up to that long for company instead; 0, the default,
// never waits. A request's sequences always stay together; a request larger than the budget runs alone;
// the queue is served in arrival order, so no request, however long, is passed over.
//
// Memory is bounded: at most max_pending requests are admitted (queued or running); submit() refuses
// more (the server answers 429), and every request is bounded by the payload and client-batch limits.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
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
  std::chrono::microseconds max_delay{0};
  int max_pending = 512;
};

// What a request gets back: [sequences, dim] rows (L2-normalized when asked), or the engine's exception.
struct BatchResult {
  std::vector<float> rows;
  std::exception_ptr error;
  double queue_seconds = 0;      // submitted -> its batch started
  double inference_seconds = 0;  // its batch's engine time
};

class Batcher {
 public:
  // run(batch, pooled): mean-pooled, unnormalized rows [batch.size(), dim] for a packed batch.
  using RunFn = std::function<void(const TokenBatch&, std::span<float>)>;
  // Called once per request on the executor thread: keep it short (hand real work to another thread).
  using Done = std::function<void(BatchResult)>;

  // metrics may be null.
  Batcher(BatcherOptions options, int dim, RunFn run, profiler::ServiceMetrics* metrics);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues one request's sequences. False (and `done` is not called) when max_pending requests are
  // already admitted. Throws Error(kUnavailable) after stop().
  bool submit(TokenBatch sequences, bool normalize, Done done);

  // Runs everything already queued, then joins the executor. Idempotent.
  void stop();

  int dim() const { return dim_; }
  // Requests admitted and not yet answered.
  int admitted() const;

 private:
  struct Job {
    TokenBatch tokens;
    bool normalize = false;
    std::chrono::steady_clock::time_point enqueued;
    Done done;
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

  mutable std::mutex mu_;
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
