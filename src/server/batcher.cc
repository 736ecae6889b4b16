#include "server/batcher.h"

#include <cmath>

#include "common/error.h"
#include "profiler/service_metrics.h"

namespace acgs::server {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

void l2_normalize_rows(std::span<float> data, int width) {
  for (size_t start = 0; start + static_cast<size_t>(width) <= data.size(); start += static_cast<size_t>(width)) {
    std::span<float> row = data.subspan(start, static_cast<size_t>(width));
    double sum = 0;
    for (const float v : row) sum += static_cast<double>(v) * v;
    if (sum <= 0) continue;
    const float scale = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& v : row) v *= scale;
  }
}

Batcher::Batcher(BatcherOptions options, int dim, RunFn run, profiler::ServiceMetrics* metrics)
    : options_(options), dim_(dim), run_(std::move(run)), metrics_(metrics) {
  if (options_.max_batch_tokens < 1 || options_.max_batch_requests < 1 || options_.max_pending < 1 || dim < 1)
    fail(ErrorKind::kInvalidArgument, "batcher: max_batch_tokens, max_batch_requests, max_pending and dim must be >= 1");
  executor_ = std::thread([this] { loop(); });
}

Batcher::~Batcher() { stop(); }

bool Batcher::submit(TokenBatch sequences, bool normalize, Done done) {
  Job job;
  job.tokens = std::move(sequences);
  job.normalize = normalize;
  job.enqueued = Clock::now();
  job.done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (stopping_) fail(ErrorKind::kUnavailable, "the server is shutting down; retry on another instance");
    if (admitted_ >= options_.max_pending) return false;
    ++admitted_;
    queued_tokens_ += job.tokens.total_tokens();
    queue_.push_back(std::move(job));
    if (metrics_) {
      metrics_->queue_depth.set(static_cast<double>(queue_.size()));
      metrics_->in_flight.set(static_cast<double>(admitted_));
    }
  }
  cv_.notify_one();
  return true;
}

int Batcher::admitted() const {
  std::lock_guard lock(mu_);
  return admitted_;
}

void Batcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (executor_.joinable()) executor_.join();
}

bool Batcher::batch_full() const {
  return queued_tokens_ >= options_.max_batch_tokens || static_cast<int>(queue_.size()) >= options_.max_batch_requests;
}

std::vector<Batcher::Job> Batcher::take() {
  std::vector<Job> jobs;
  long tokens = 0;
  while (!queue_.empty()) {
    const int next = queue_.front().tokens.total_tokens();
    const bool fits = tokens + next <= options_.max_batch_tokens && static_cast<int>(jobs.size()) < options_.max_batch_requests;
    if (!jobs.empty() && !fits) break;
    tokens += next;
    queued_tokens_ -= next;
    jobs.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (metrics_) metrics_->queue_depth.set(static_cast<double>(queue_.size()));
  return jobs;
}

void Batcher::loop() {
  for (;;) {
    std::vector<Job> jobs;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      if (options_.max_delay.count() > 0) {
        // Opt-in: wait for company, timed from the oldest request (under load it already waited).
        const auto deadline = queue_.front().enqueued + options_.max_delay;
        while (!stopping_ && !batch_full()) {
          if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
        }
      }
      jobs = take();
    }
    run(jobs);
  }
}

void Batcher::release(size_t jobs) {
  std::lock_guard lock(mu_);
  admitted_ -= static_cast<int>(jobs);
  if (metrics_) metrics_->in_flight.set(static_cast<double>(admitted_));
}

void Batcher::run(std::vector<Job>& jobs) {
  TokenBatch batch;
  for (const Job& job : jobs) {
    batch.ids.insert(batch.ids.end(), job.tokens.ids.begin(), job.tokens.ids.end());
    for (int s = 0; s < job.tokens.size(); ++s) batch.offsets.push_back(batch.offsets.back() + job.tokens.length(s));
  }
  if (metrics_) {
    metrics_->batch_size.observe(static_cast<double>(jobs.size()));
    metrics_->batch_tokens.observe(static_cast<double>(batch.total_tokens()));
  }
  std::vector<float> pooled(static_cast<size_t>(batch.size()) * static_cast<size_t>(dim_));
  const Clock::time_point start = Clock::now();
  std::exception_ptr error;
  try {
    run_(batch, pooled);
  } catch (...) {
    error = std::current_exception();
  }
  const double inference = seconds_between(start, Clock::now());
  // Slots are released before the callers hear back, so a caller that submits again at once is admitted.
  release(jobs.size());
  size_t row = 0;
  for (Job& job : jobs) {
    BatchResult result;
    result.error = error;
    result.queue_seconds = seconds_between(job.enqueued, start);
    result.inference_seconds = inference;
    const size_t n = static_cast<size_t>(job.tokens.size()) * static_cast<size_t>(dim_);
    if (!error) {
      result.rows.assign(pooled.begin() + static_cast<std::ptrdiff_t>(row),
                         pooled.begin() + static_cast<std::ptrdiff_t>(row + n));
      if (job.normalize) l2_normalize_rows(result.rows, dim_);
    }
    row += n;
    job.done(std::move(result));
  }
}

}  // namespace acgs::server
