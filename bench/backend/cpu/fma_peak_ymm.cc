// fma_peak's ymm loop (built with -mavx2 -mfma).
#include "backend/cpu/avx2_math.h"
#include "fma_chains.h"

namespace acgs::bench {

double ymm_fma_gflops(long iters) { return fma_chains_gflops<cpu::avx2::Ymm>(iters); }

}  // namespace acgs::bench
