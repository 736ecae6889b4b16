#pragma once
// Per-call activation buffers of the CPU backend. A workspace only grows (to the largest batch seen), so
// after the first calls forward() allocates nothing; a pool hands one workspace to each concurrent caller.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace acgs::cpu {

// Leading dimensions (in elements) of the activation buffers: widths padded to whole GEMM panels.
struct WorkspaceShape {
  int ld_hidden = 0;   // x, x2, ctx
  int ld_qkv = 0;
  int ld_ffn = 0;
  int ld_quant = 0;    // u8 quantized activations (int8 backend only; 0 otherwise)
  int head_dim = 0;
  int workers = 1;
};

struct Workspace {
  std::vector<float> x, x2, ctx, qkv, ffn;
  std::vector<uint8_t> quant;
  std::vector<float> quant_scale;
  std::vector<int32_t> quant_zero;
  std::vector<int32_t> positions;
  std::vector<float> scratch;  // per worker attention scratch, scratch_stride floats each
  size_t scratch_stride = 0;

  void reserve(const WorkspaceShape& shape, int tokens, int max_len);
};

class WorkspacePool {
 public:
  explicit WorkspacePool(WorkspaceShape shape) : shape_(shape) {}

  class Lease {
   public:
    Lease(WorkspacePool& pool, std::unique_ptr<Workspace> ws) : pool_(pool), ws_(std::move(ws)) {}
    ~Lease() { pool_.release(std::move(ws_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Workspace& operator*() { return *ws_; }

   private:
    WorkspacePool& pool_;
    std::unique_ptr<Workspace> ws_;
  };

  // A workspace with room for `tokens` packed tokens and sequences up to max_len.
  Lease acquire(int tokens, int max_len);

 private:
  void release(std::unique_ptr<Workspace> ws);

  WorkspaceShape shape_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Workspace>> free_;
};

}  // namespace acgs::cpu
