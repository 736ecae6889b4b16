#pragma once
// Two CUDA events bracketing work on a stream, for timing it (autotuning, the attention kernel probe).
#include <cuda_runtime.h>

#include "backend/cuda/cuda_check.h"

namespace acgs::cuda {

class EventPair {
 public:
  EventPair() {
    ACGS_CUDA(cudaEventCreate(&start_));
    ACGS_CUDA(cudaEventCreate(&stop_));
  }
  ~EventPair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  cudaEvent_t start() const { return start_; }
  cudaEvent_t stop() const { return stop_; }
  // After the stream synchronized: milliseconds between the two.
  float elapsed_ms() const {
    float ms = 0;
    ACGS_CUDA(cudaEventElapsedTime(&ms, start_, stop_));
    return ms;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

}  // namespace acgs::cuda
