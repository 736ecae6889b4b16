#pragma once
// Sentence pooling on the device, so embed() copies back only [sequences, dim] floats.
#include <cuda_runtime.h>

#include "backend/cuda/kernels/device_batch.h"

namespace acgs::cuda {

// pooled[s] = mean over sequence s's tokens of hidden (mean = true) or its first token (mean = false),
// optionally divided by its L2 norm (floored at 1e-12 like torch.nn.functional.normalize).
// hidden: [tokens, dim] T; pooled: [sequences, dim] fp32; sums in fp32. One block per sequence; the grid
// covers `sequences` (a bucket at least counts[1]) and blocks past counts[1] exit without writing.
template <typename T>
void launch_pool(cudaStream_t stream, const DeviceBatch& batch, int sequences, const T* hidden, int dim,
                 bool mean, bool normalize, float* pooled);

}  // namespace acgs::cuda
