#pragma once
// Shared by the GPU tests: skipping where no device is usable, host<->device copies in fp16/fp32, random
// data, error measures.
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "backend/cuda/device_info.h"
#include "backend/cuda/device_memory.h"

namespace acgs::cuda::test {

// Empty when device 0 can run the CUDA backend, else why not.
inline std::string unavailable_reason() {
  static const DeviceReport report = probe_device(0);
  return report.available ? "" : report.reason;
}

#define ACGS_SKIP_WITHOUT_CUDA()                                                      \
  do {                                                                                \
    const std::string reason_ = ::acgs::cuda::test::unavailable_reason();             \
    if (!reason_.empty()) {                                                           \
      std::printf("skipped: no CUDA device (%s)\n", reason_.c_str());                 \
      GTEST_SKIP() << "skipped: no CUDA device (" << reason_ << ")";                  \
    }                                                                                 \
  } while (0)

inline std::vector<float> random_values(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// The value T stores for x (fp16 rounding), so CPU references see exactly the device inputs.
template <typename T>
float stored(float x) {
  return sizeof(T) == 2 ? __half2float(__float2half_rn(x)) : x;
}
template <typename T>
std::vector<float> stored(std::vector<float> v) {
  for (float& x : v) x = stored<T>(x);
  return v;
}

template <typename T>
DeviceBuffer<T> to_device(const std::vector<float>& host) {
  std::vector<T> converted(host.size());
  for (size_t i = 0; i < host.size(); ++i) converted[i] = T(host[i]);
  DeviceBuffer<T> d(host.size());
  ACGS_CUDA(cudaMemcpy(d.get(), converted.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

template <typename T>
std::vector<float> to_host(const DeviceBuffer<T>& d) {
  std::vector<T> raw(d.size());
  ACGS_CUDA(cudaDeviceSynchronize());
  ACGS_CUDA(cudaMemcpy(raw.data(), d.get(), d.bytes(), cudaMemcpyDeviceToHost));
  std::vector<float> out(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) out[i] = float(raw[i]);
  return out;
}

// Largest |a - b| over the first n values; NaN anywhere counts as infinite error.
inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (!(d <= worst)) worst = std::isnan(d) ? INFINITY : d;
  }
  return worst;
}

}  // namespace acgs::cuda::test
