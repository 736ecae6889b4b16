#pragma once
// When to try reconnecting to a store that failed: exponential backoff from `initial` to `max`, so a Redis
// outage costs each request nothing (it goes straight to the fallback) instead of a connect timeout, while
// a returning Redis is found within `max`. Not thread-safe; the owner locks.
#include <algorithm>
#include <chrono>

namespace acgs {

class RetryBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}

  bool may_try(Clock::time_point now) const { return now >= next_try_; }
  Clock::time_point next_try() const { return next_try_; }
  // The next attempt waits the current delay, and the delay after that doubles (up to max).
  void failed(Clock::time_point now) {
    next_try_ = now + delay_;
    delay_ = std::min(max_, delay_ * 2);
  }
  void succeeded() {
    delay_ = initial_;
    next_try_ = {};
  }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_ = initial_;
  Clock::time_point next_try_{};
};

}  // namespace acgs
