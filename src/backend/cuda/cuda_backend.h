#pragma once
// The CUDA backend: device-resident weights, a read-only algorithm table, and a pool of execution
// contexts (one per concurrent caller, at most kMaxContexts, created on demand). A call splits the batch
// into runs that fit the capacity, uploads each run's batch description, replays the run's CUDA graph
// (captured after the first direct run of that shape bucket and output mode, output kernel included), and
// synchronizes only for the final copy of the outputs (hidden states, or rows pooled on the device).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/backend.h"
#include "backend/cuda/algo_table.h"
#include "backend/cuda/device_model.h"
#include "backend/cuda/encoder.h"
#include "backend/cuda/exec_context.h"
#include "backend/cuda/op_profile.h"

namespace acgs::cuda {

inline constexpr int kMaxContexts = 4;

template <typename T>
class CudaBackend final : public Backend {
 public:
  // `first` is the context already used to check or tune the algorithms; it joins the pool.
  // use_graphs = false runs every launch directly (ACGS_CUDA_GRAPHS=0; tests compare both ways).
  // attention: the fp16 kernel choose_fp16_attention picked (ignored in fp32 mode).
  CudaBackend(DeviceModel<T> model, AlgoTable algos, AttentionKernel attention, std::unique_ptr<ExecContext<T>> first,
              int device, BackendInfo info, bool use_graphs);

  // Prints the per-op profile (ACGS_CUDA_PROFILE=1) to stderr.
  ~CudaBackend() override;

  BackendInfo info() const override { return info_; }
  const ModelConfig& config() const override { return model_.config; }
  void forward(const TokenBatch& batch, std::span<float> hidden) override;
  void embed(const TokenBatch& batch, Pooling pooling, bool normalize, std::span<float> pooled) override;

 private:
  class Lease;

  Lease acquire();
  void release(std::unique_ptr<ExecContext<T>> ctx);
  // Runs `batch` in capacity-sized pieces; each piece's output rows land at dst + (first row) * dim, where a
  // row is a token (hidden states) or a sequence (pooled).
  void run(const TokenBatch& batch, const RunOutput& output, float* dst);
  // One piece, sequences [first, last); returns the number of floats left in ctx.host_out.
  size_t run_piece(ExecContext<T>& ctx, const TokenBatch& batch, int first, int last, const RunOutput& output);
  // The same piece launched directly with an event after every op, added to profile_.
  void run_profiled(ExecContext<T>& ctx, const TokenBatch& batch, int first, int last, const RunShape& shape,
                    const RunOutput& output, size_t count);
  void capture(ExecContext<T>& ctx, const RunShape& shape, const RunOutput& output);

  DeviceModel<T> model_;
  AlgoTable algos_;
  AttentionKernel attention_;
  Capacity capacity_;
  int device_;
  BackendInfo info_;
  std::atomic<bool> use_graphs_;  // cleared if a capture ever fails (reported on stderr)
  std::unique_ptr<OpProfile> profile_;  // set when ACGS_CUDA_PROFILE asks for the per-op breakdown

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<ExecContext<T>>> idle_;
  int created_ = 0;
};

}  // namespace acgs::cuda
