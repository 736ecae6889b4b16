#pragma once
// The seed's GPU-decision rules, applied in this order to a model's aggregated samples:
//   1. mean latency < 1 ms          -> I/O-bound: too fast for GPU benefit, keep on CPU
//   2. mean CPU > 50 %              -> compute-bound: GPU candidate
//   3. mean CPU < 20 %              -> I/O-bound: GPU unlikely to help
//   4. otherwise                    -> unknown: measure under more load
// CPU% is process CPU time / wall time x 100, so it exceeds 100 with several busy threads. The profiler
// feeds the rules the CPU demand, (CPU time + the caller's run-queue wait) / wall time, so a model
// that computes on a machine whose cores are taken by other work is not mistaken for an I/O-bound one
// (on an idle machine the two readings are the same).
#include <optional>
#include <string>

namespace acgs::profiler {

enum class BottleneckType { kComputeBound, kIoBound, kMemoryBound, kUnknown };

inline constexpr double kLatencyGpuThresholdMs = 1.0;
inline constexpr double kCpuComputeThreshold = 50.0;
inline constexpr double kCpuIoThreshold = 20.0;

struct Classification {
  BottleneckType type = BottleneckType::kUnknown;
  std::string recommendation;
};

// "compute_bound", "io_bound", "memory_bound", "unknown" (the seed's JSON values).
const char* to_string(BottleneckType type);

// gpu_speedup: measured CPU-backend mean latency / GPU-backend mean latency for this model, when a GPU
// backend ran it; the recommendation then reports the measurement instead of the CPU-only guess.
Classification classify(double mean_latency_ms, double avg_cpu_percent,
                        std::optional<double> gpu_speedup = std::nullopt);

}  // namespace acgs::profiler
