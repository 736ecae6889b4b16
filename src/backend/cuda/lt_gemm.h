#pragma once
// The encoder's linear layers through cuBLASLt: y[tokens, out] = x[tokens, in] · wᵀ + b.
//
// Layout: activations are row-major [tokens, features] and weights keep Hugging Face's [out, in]. In
// cuBLASLt's column-major terms x is an (in x tokens) matrix with ld = in, w an (in x out) matrix with
// ld = in used transposed (TRANSA = T), and y an (out x tokens) matrix with ld = out: the "TN" layout,
// the one cuBLASLt's fastest fp16 kernels are built for. The bias (one value per output feature, i.e. per
// row of D) is added by the BIAS epilogue in fp32 before the result is rounded to the storage type; in fp16
// mode the FFN's first GEMM uses GELU_BIAS instead (see gemm_epilogue).
// fp16 mode: fp16 A/B/C/D, fp32 accumulation and scale (CUBLAS_COMPUTE_32F). fp32 mode: fp32 everywhere,
// CUBLAS_COMPUTE_32F without TF32, so fp32 results stay within fp32 rounding.
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

namespace acgs::cuda {

// The four GEMMs of an encoder layer.
enum class GemmKind : int { kQkv = 0, kAttnOut = 1, kFfn1 = 2, kFfn2 = 3 };
inline constexpr int kGemmKinds = 4;
const char* gemm_name(GemmKind kind);  // "qkv", "attn_out", "ffn1", "ffn2" (the plan's names)

struct GemmShape {
  int tokens = 0, out = 0, in = 0;
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
};

// The epilogue of GEMM `kind` in a mode whose storage type is `type`. fp16: the FFN's first GEMM applies
// GELU in the epilogue, saving a read and write of the [tokens, hidden_dim] activations per layer. cuBLASLt
// documents it only as GELU; if it is the tanh approximation, |gelu_tanh - gelu_erf| <= 4.7e-4 over
// [-10, 10], below the fp16 rounding of those activations (ulp 2e-3 at 2.7), and the end-to-end parity gate
// (2e-2 vs the reference) checks the result on the GPU.
// fp32: BIAS everywhere and the exact erf GELU kernel after it, to stay within fp32 rounding of the reference.
cublasLtEpilogue_t gemm_epilogue(GemmKind kind, cudaDataType_t type);

// cuBLASLt wants 32 MiB of workspace on Hopper for its best kernels; one per execution context.
inline constexpr size_t kGemmWorkspaceBytes = size_t(32) << 20;

class LtGemm {
 public:
  // type: CUDA_R_16F or CUDA_R_32F.
  explicit LtGemm(cudaDataType_t type);
  ~LtGemm();
  cudaDataType_t type() const { return type_; }
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  // Up to `count` algorithms cuBLASLt's heuristic proposes for this shape, best guess first, each needing
  // at most kGemmWorkspaceBytes. `bias` is any pointer with the alignment the real bias will have (the
  // heuristic depends on pointer alignment, not contents). Empty when nothing supports the shape.
  // fp32_split_k: drops split-K configurations that do not use CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE (partial
  // sums in fp32): INPLACE and OUTPUT_TYPE add the partial sums in the output type, fp16 in fp16 mode.
  std::vector<cublasLtMatmulAlgo_t> candidates(const GemmShape& shape, const void* bias, int count,
                                               bool fp32_split_k = false) const;
  // Copies of `algo` split over K into 2, 4 and 8 parts (at least 64 of K each) with fp32 partial sums,
  // those cuBLASLt accepts for this shape: small-M GEMMs have too few output tiles to fill the GPU. Empty
  // when `algo` does not support split-K or is split already.
  std::vector<cublasLtMatmulAlgo_t> split_k_variants(const GemmShape& shape, const void* bias,
                                                     const cublasLtMatmulAlgo_t& algo) const;
  // Whether `algo` (e.g. read from a plan) is valid for this shape on this device and fits the workspace.
  bool supports(const GemmShape& shape, const void* bias, const cublasLtMatmulAlgo_t& algo) const;
  // Enqueues the GEMM; workspace must hold kGemmWorkspaceBytes. Capturable into a CUDA graph.
  void run(cudaStream_t stream, const GemmShape& shape, const cublasLtMatmulAlgo_t& algo, const void* x,
           const void* w, const void* bias, void* y, void* workspace) const;

 private:
  cublasLtHandle_t handle_ = nullptr;
  cudaDataType_t type_;
};

}  // namespace acgs::cuda
