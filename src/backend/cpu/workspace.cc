#include "backend/cpu/workspace.h"

#include "backend/cpu/kernels.h"

namespace acgs::cpu {
namespace {

template <typename T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

void Workspace::reserve(const WorkspaceShape& shape, int tokens, int max_len) {
  const size_t t = static_cast<size_t>(tokens);
  grow(x, t * shape.ld_hidden);
  grow(x2, t * shape.ld_hidden);
  grow(ctx, t * shape.ld_hidden);
  grow(qkv, t * shape.ld_qkv);
  grow(ffn, t * shape.ld_ffn);
  grow(quant, t * shape.ld_quant);
  grow(quant_scale, t);
  grow(quant_zero, t);
  grow(positions, t);
  const size_t stride = static_cast<size_t>(attention_scratch_floats(max_len, shape.head_dim));
  if (stride > scratch_stride) {
    scratch_stride = stride;
    scratch.assign(stride * shape.workers, 0.0f);
  }
}

WorkspacePool::Lease WorkspacePool::acquire(int tokens, int max_len) {
  std::unique_ptr<Workspace> ws;
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      ws = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!ws) ws = std::make_unique<Workspace>();
  ws->reserve(shape_, tokens, max_len);
  return Lease(*this, std::move(ws));
}

void WorkspacePool::release(std::unique_ptr<Workspace> ws) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(ws));
}

}  // namespace acgs::cpu
