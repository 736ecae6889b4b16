#pragma once
// Exact order statistics over a (small, bounded) sample set.
#include <span>

namespace acgs::profiler {

// Percentile q in [0, 100] of `sorted` (ascending), linearly interpolated between closest ranks
// (Hyndman & Fan type 7, NumPy's default): position (n - 1) * q / 100. Empty input gives 0.
double percentile_sorted(std::span<const double> sorted, double q);
double mean(std::span<const double> values);
// Sample standard deviation (n - 1 denominator, like Python's statistics.stdev); 0 when n < 2.
double sample_stddev(std::span<const double> values);

}  // namespace acgs::profiler
