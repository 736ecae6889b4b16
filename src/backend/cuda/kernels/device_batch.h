#pragma once
// The packed batch as the kernels see it. Each execution context owns these device arrays and refills them
// (one host-to-device copy) before every run, so a captured CUDA graph replays with new contents behind the
// same pointers. Kernels are launched for a capacity (the graph's shape bucket) and read the real sizes
// from `counts`, exiting early past them.
#include <vector_types.h>

namespace acgs::cuda {

struct DeviceBatch {
  const int* counts;     // [2]: total tokens, number of sequences
  const int* offsets;    // [sequences + 1]: sequence i is tokens [offsets[i], offsets[i + 1])
  const int2* tokens;    // [tokens]: (token id, position inside its own sequence, restarting at 0)
};

}  // namespace acgs::cuda
