#include "profiler/bottleneck.h"

#include <cstdio>

namespace acgs::profiler {
namespace {

std::string format(const char* fmt, double a, double b = 0.0) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, a, b);
  return buf;
}

std::string speedup_note(double speedup) {
  if (speedup >= 1.0) return format(" Measured GPU backend speedup: %.2fx over CPU; keep it on the GPU.", speedup);
  return format(" Measured GPU backend speedup: %.2fx (slower than CPU); keep it on the CPU.", speedup);
}

}  // namespace

const char* to_string(BottleneckType type) {
  switch (type) {
    case BottleneckType::kComputeBound: return "compute_bound";
    case BottleneckType::kIoBound: return "io_bound";
    case BottleneckType::kMemoryBound: return "memory_bound";
    case BottleneckType::kUnknown: break;
  }
  return "unknown";
}

Classification classify(double mean_latency_ms, double avg_cpu_percent, std::optional<double> gpu_speedup) {
  Classification c;
  if (mean_latency_ms < kLatencyGpuThresholdMs) {
    c = {BottleneckType::kIoBound,
         format("Latency %.3fms is too fast for GPU benefit: kernel launch and transfer overhead would "
                "likely increase latency. Keep on CPU.",
                mean_latency_ms)};
  } else if (avg_cpu_percent > kCpuComputeThreshold) {
    c = {BottleneckType::kComputeBound,
         format("CPU usage %.1f%% indicates compute-bound. GPU acceleration likely beneficial "
                "(acgs-infer cuda-fp16 backend).",
                avg_cpu_percent)};
  } else if (avg_cpu_percent < kCpuIoThreshold) {
    c = {BottleneckType::kIoBound,
         format("CPU usage %.1f%% indicates I/O-bound. GPU unlikely to help; reduce data transfer and "
                "serialization instead.",
                avg_cpu_percent)};
  } else {
    c = {BottleneckType::kUnknown,
         format("CPU usage %.1f%% is moderate. Run under higher load to determine if GPU would help.",
                avg_cpu_percent)};
  }
  if (gpu_speedup) c.recommendation += speedup_note(*gpu_speedup);
  return c;
}

}  // namespace acgs::profiler
