#pragma once
// A kernel that holds a stream until the host releases it, for profiling: with the stream held, the host
// enqueues a whole forward pass before the GPU starts, so the events between ops time the GPU work alone
// and not the host's launch latency (the same trick as nvbench's blocking kernel).
#include <cuda_runtime.h>

namespace acgs::cuda {

// Spins until *flag != 0 or timeout_ns have passed, whichever comes first, so a host that never releases
// the flag (an exception between the launch and the release) stalls the stream only briefly.
// flag: device view of page-locked, mapped host memory.
void launch_hold(cudaStream_t stream, const int* flag, unsigned long long timeout_ns);

}  // namespace acgs::cuda
