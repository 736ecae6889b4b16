#include "backend/cuda/encoder.h"

#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/elementwise.h"
#include "backend/cuda/kernels/layer_norm.h"
#include "backend/cuda/kernels/pooling.h"
#include "backend/cuda/token_buckets.h"

namespace acgs::cuda {

RunShape run_shape(int tokens, int sequences, int max_len) {
  RunShape s;
  s.tokens = round_tokens(tokens);
  s.bucket_index = token_bucket_index(tokens);
  s.sequences = round_sequences(sequences);
  s.max_len = round_length(max_len);
  return s;
}

template <typename T>
const float* output_source(const ExecContext<T>& ctx, const RunOutput& output) {
  if constexpr (sizeof(T) == 4)
    if (!output.pooled) return ctx.hidden.get();
  return ctx.out.get();
}

template <typename T>
void enqueue_forward(const DeviceModel<T>& model, const AlgoTable& algos, AttentionKernel attention,
                     ExecContext<T>& ctx, const RunShape& shape, const RunOutput& output, OpTimeline* timeline) {
  const ModelConfig& c = model.config;
  const cudaStream_t stream = ctx.stream.get();
  const DeviceBatch batch = ctx.device_batch();
  const int rows = shape.tokens;
  auto mark = [&](Op op) {
    if (timeline) timeline->mark(stream, op);
  };
  auto gemm = [&](GemmKind kind, const T* x, const DeviceBuffer<T>& w, const DeviceBuffer<T>& b, T* y) {
    ctx.gemm.run(stream, gemm_shape(c, kind, rows, kCudaType<T>), algos.at(shape.bucket_index, kind), x, w.get(),
                 b.get(), y, ctx.workspace.get());
  };
  const bool gelu_fused = gemm_epilogue(GemmKind::kFfn1, kCudaType<T>) == CUBLASLT_EPILOGUE_GELU_BIAS;

  launch_embedding_layer_norm<T>(stream, batch, rows, model.word.get(), model.position.get(), model.emb_gamma.get(),
                                 model.emb_beta.get(), c.dim, c.layer_norm_eps, ctx.hidden.get());
  mark(Op::kEmbed);
  for (const DeviceLayer<T>& l : model.layers) {
    gemm(GemmKind::kQkv, ctx.hidden.get(), l.qkv_w, l.qkv_b, ctx.qkv.get());
    mark(Op::kQkv);
    if constexpr (sizeof(T) == 2)
      launch_fp16_attention(attention, stream, batch, shape.sequences, shape.max_len, ctx.qkv.get(), c.n_heads,
                            c.head_dim(), ctx.ctx.get());
    else
      launch_attention<T>(stream, batch, shape.sequences, shape.max_len, ctx.qkv.get(), c.n_heads, c.head_dim(),
                          ctx.ctx.get());
    mark(Op::kAttention);
    gemm(GemmKind::kAttnOut, ctx.ctx.get(), l.out_w, l.out_b, ctx.tmp.get());
    mark(Op::kAttnOut);
    launch_add_layer_norm<T>(stream, batch.counts, rows, ctx.hidden.get(), ctx.tmp.get(), l.sa_gamma.get(),
                             l.sa_beta.get(), c.dim, c.layer_norm_eps);
    mark(Op::kAddLn1);
    gemm(GemmKind::kFfn1, ctx.hidden.get(), l.ffn1_w, l.ffn1_b, ctx.inner.get());
    mark(Op::kFfn1);
    if (!gelu_fused) {
      launch_gelu<T>(stream, batch.counts, rows, c.hidden_dim, ctx.inner.get());
      mark(Op::kGelu);
    }
    gemm(GemmKind::kFfn2, ctx.inner.get(), l.ffn2_w, l.ffn2_b, ctx.tmp.get());
    mark(Op::kFfn2);
    launch_add_layer_norm<T>(stream, batch.counts, rows, ctx.hidden.get(), ctx.tmp.get(), l.out_gamma.get(),
                             l.out_beta.get(), c.dim, c.layer_norm_eps);
    mark(Op::kAddLn2);
  }

  // The grid covers the sequence bucket; pooling blocks past counts[1] exit, so the graph serves any batch
  // of the bucket.
  if (output.pooled) {
    launch_pool<T>(stream, batch, shape.sequences, ctx.hidden.get(), c.dim, output.pooling == Pooling::kMean,
                   output.normalize, ctx.out.get());
    mark(Op::kOutput);
  } else if constexpr (sizeof(T) == 2) {
    launch_half_to_float(stream, batch.counts, rows, c.dim, ctx.hidden.get(), ctx.out.get());
    mark(Op::kOutput);
  }
}

template <typename T>
GemmOperands gemm_operands(const DeviceModel<T>& model, ExecContext<T>& ctx) {
  const DeviceLayer<T>& l = model.layers.front();
  return GemmOperands{
      {ctx.hidden.get(), ctx.ctx.get(), ctx.hidden.get(), ctx.inner.get()},
      {l.qkv_w.get(), l.out_w.get(), l.ffn1_w.get(), l.ffn2_w.get()},
      {l.qkv_b.get(), l.out_b.get(), l.ffn1_b.get(), l.ffn2_b.get()},
      {ctx.qkv.get(), ctx.tmp.get(), ctx.inner.get(), ctx.tmp.get()},
  };
}

template const float* output_source<float>(const ExecContext<float>&, const RunOutput&);
template const float* output_source<__half>(const ExecContext<__half>&, const RunOutput&);
template void enqueue_forward<float>(const DeviceModel<float>&, const AlgoTable&, AttentionKernel,
                                     ExecContext<float>&, const RunShape&, const RunOutput&, OpTimeline*);
template void enqueue_forward<__half>(const DeviceModel<__half>&, const AlgoTable&, AttentionKernel,
                                      ExecContext<__half>&, const RunShape&, const RunOutput&, OpTimeline*);
template GemmOperands gemm_operands<float>(const DeviceModel<float>&, ExecContext<float>&);
template GemmOperands gemm_operands<__half>(const DeviceModel<__half>&, ExecContext<__half>&);

}  // namespace acgs::cuda
