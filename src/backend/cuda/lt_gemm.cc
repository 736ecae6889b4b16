#include "backend/cuda/lt_gemm.h"

#include <cstdint>

#include "backend/cuda/cuda_check.h"

namespace acgs::cuda {
namespace {

// The descriptors of one GEMM call, destroyed on scope exit (also when a check throws).
class Descriptors {
 public:
  Descriptors(cudaDataType_t type, const GemmShape& shape, const void* bias) {
    ACGS_CUBLAS(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
    set(CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof(transa));
    set(CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof(transb));
    set(CUBLASLT_MATMUL_DESC_EPILOGUE, &shape.epilogue, sizeof(shape.epilogue));
    // The bias keeps cuBLASLt's default type, the type of D (as PyTorch's fused addmm uses it).
    set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
    ACGS_CUBLAS(cublasLtMatrixLayoutCreate(&a_, type, shape.in, shape.out, shape.in));
    ACGS_CUBLAS(cublasLtMatrixLayoutCreate(&b_, type, shape.in, shape.tokens, shape.in));
    ACGS_CUBLAS(cublasLtMatrixLayoutCreate(&d_, type, shape.out, shape.tokens, shape.out));
  }
  ~Descriptors() {
    if (d_) cublasLtMatrixLayoutDestroy(d_);
    if (b_) cublasLtMatrixLayoutDestroy(b_);
    if (a_) cublasLtMatrixLayoutDestroy(a_);
    if (op_) cublasLtMatmulDescDestroy(op_);
  }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;

  cublasLtMatmulDesc_t op() const { return op_; }
  cublasLtMatrixLayout_t a() const { return a_; }
  cublasLtMatrixLayout_t b() const { return b_; }
  cublasLtMatrixLayout_t d() const { return d_; }

 private:
  void set(cublasLtMatmulDescAttributes_t attr, const void* value, size_t size) {
    ACGS_CUBLAS(cublasLtMatmulDescSetAttribute(op_, attr, value, size));
  }

  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, d_ = nullptr;
};

// Whether `algo` is unsplit or reduces its split-K partial sums in the compute type (fp32). Filtered after the
// heuristic rather than with CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, whose documentation leaves open
// whether unsplit configurations (scheme NONE = 0) pass a mask without that bit.
bool fp32_partial_sums(const cublasLtMatmulAlgo_t& algo) {
  int32_t splits = 1;
  uint32_t scheme = CUBLASLT_REDUCTION_SCHEME_NONE;
  size_t written = 0;
  if (cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splits, sizeof(splits),
                                           &written) != CUBLAS_STATUS_SUCCESS ||
      cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &scheme, sizeof(scheme),
                                           &written) != CUBLAS_STATUS_SUCCESS)
    return false;
  return splits <= 1 || scheme == CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
}

}  // namespace

const char* gemm_name(GemmKind kind) {
  switch (kind) {
    case GemmKind::kQkv: return "qkv";
    case GemmKind::kAttnOut: return "attn_out";
    case GemmKind::kFfn1: return "ffn1";
    case GemmKind::kFfn2: return "ffn2";
  }
  return "?";
}

cublasLtEpilogue_t gemm_epilogue(GemmKind kind, cudaDataType_t type) {
  return kind == GemmKind::kFfn1 && type == CUDA_R_16F ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
}

LtGemm::LtGemm(cudaDataType_t type) : type_(type) { ACGS_CUBLAS(cublasLtCreate(&handle_)); }

LtGemm::~LtGemm() {
  if (handle_) cublasLtDestroy(handle_);
}

std::vector<cublasLtMatmulAlgo_t> LtGemm::candidates(const GemmShape& shape, const void* bias, int count,
                                                     bool fp32_split_k) const {
  const Descriptors desc(type_, shape, bias);
  cublasLtMatmulPreference_t pref = nullptr;
  ACGS_CUBLAS(cublasLtMatmulPreferenceCreate(&pref));
  std::vector<cublasLtMatmulHeuristicResult_t> results(count);
  int returned = 0;
  const uint64_t workspace = kGemmWorkspaceBytes;
  cublasStatus_t status =
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
                                           sizeof(workspace));
  if (status == CUBLAS_STATUS_SUCCESS)
    status = cublasLtMatmulAlgoGetHeuristic(handle_, desc.op(), desc.a(), desc.b(), desc.d(), desc.d(), pref,
                                            count, results.data(), &returned);
  cublasLtMatmulPreferenceDestroy(pref);
  // NOT_SUPPORTED means no algorithm exists for this shape: an empty list, reported by the caller.
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) return {};
  check_cublas(status, "cublasLtMatmulAlgoGetHeuristic");
  std::vector<cublasLtMatmulAlgo_t> algos;
  for (int i = 0; i < returned; ++i)
    if (results[i].state == CUBLAS_STATUS_SUCCESS && results[i].workspaceSize <= kGemmWorkspaceBytes &&
        (!fp32_split_k || fp32_partial_sums(results[i].algo)))
      algos.push_back(results[i].algo);
  return algos;
}

std::vector<cublasLtMatmulAlgo_t> LtGemm::split_k_variants(const GemmShape& shape, const void* bias,
                                                           const cublasLtMatmulAlgo_t& algo) const {
  int32_t support = 0, splits = 0;
  uint32_t schemes = 0;
  size_t written = 0;
  if (cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT, &support, sizeof(support),
                                        &written) != CUBLAS_STATUS_SUCCESS ||
      cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_REDUCTION_SCHEME_MASK, &schemes, sizeof(schemes),
                                        &written) != CUBLAS_STATUS_SUCCESS ||
      cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splits, sizeof(splits),
                                           &written) != CUBLAS_STATUS_SUCCESS)
    return {};
  if (!support || splits > 1 || !(schemes & CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE)) return {};
  std::vector<cublasLtMatmulAlgo_t> out;
  const uint32_t scheme = CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
  for (int32_t parts : {2, 4, 8}) {
    if (shape.in / parts < 64) break;
    cublasLtMatmulAlgo_t v = algo;
    if (cublasLtMatmulAlgoConfigSetAttribute(&v, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &parts, sizeof(parts)) ==
            CUBLAS_STATUS_SUCCESS &&
        cublasLtMatmulAlgoConfigSetAttribute(&v, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &scheme, sizeof(scheme)) ==
            CUBLAS_STATUS_SUCCESS &&
        supports(shape, bias, v))
      out.push_back(v);
  }
  return out;
}

bool LtGemm::supports(const GemmShape& shape, const void* bias, const cublasLtMatmulAlgo_t& algo) const {
  const Descriptors desc(type_, shape, bias);
  cublasLtMatmulHeuristicResult_t result{};
  const cublasStatus_t status =
      cublasLtMatmulAlgoCheck(handle_, desc.op(), desc.a(), desc.b(), desc.d(), desc.d(), &algo, &result);
  return status == CUBLAS_STATUS_SUCCESS && result.workspaceSize <= kGemmWorkspaceBytes;
}

void LtGemm::run(cudaStream_t stream, const GemmShape& shape, const cublasLtMatmulAlgo_t& algo, const void* x,
                 const void* w, const void* bias, void* y, void* workspace) const {
  const Descriptors desc(type_, shape, bias);
  const float alpha = 1.0f, beta = 0.0f;
  ACGS_CUBLAS(cublasLtMatmul(handle_, desc.op(), &alpha, w, desc.a(), x, desc.b(), &beta, y, desc.d(), y, desc.d(),
                             &algo, workspace, kGemmWorkspaceBytes, stream));
}

}  // namespace acgs::cuda
