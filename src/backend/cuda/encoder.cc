#include "backend/cuda/encoder.h"

#include "backend/cuda/kernels/attention.h"
#include "backend/cuda/kernels/elementwise.h"
#include "backend/cuda/kernels/layer_norm.h"
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
void enqueue_encoder(const DeviceModel<T>& model, const AlgoTable& algos, ExecContext<T>& ctx,
                     const RunShape& shape) {
  const ModelConfig& c = model.config;
  const cudaStream_t stream = ctx.stream.get();
  const DeviceBatch batch = ctx.device_batch();
  const int rows = shape.tokens;
  auto gemm = [&](GemmKind kind, const T* x, const DeviceBuffer<T>& w, const DeviceBuffer<T>& b, T* y) {
    ctx.gemm.run(stream, gemm_shape(c, kind, rows), algos.at(shape.bucket_index, kind), x, w.get(), b.get(), y,
                 ctx.workspace.get());
  };

  launch_embedding_layer_norm<T>(stream, batch, rows, model.word.get(), model.position.get(), model.emb_gamma.get(),
                                 model.emb_beta.get(), c.dim, c.layer_norm_eps, ctx.hidden.get());
  for (const DeviceLayer<T>& l : model.layers) {
    gemm(GemmKind::kQkv, ctx.hidden.get(), l.qkv_w, l.qkv_b, ctx.qkv.get());
    launch_attention<T>(stream, batch, shape.sequences, shape.max_len, ctx.qkv.get(), c.n_heads, c.head_dim(),
                        ctx.ctx.get());
    gemm(GemmKind::kAttnOut, ctx.ctx.get(), l.out_w, l.out_b, ctx.tmp.get());
    launch_add_layer_norm<T>(stream, batch.counts, rows, ctx.hidden.get(), ctx.tmp.get(), l.sa_gamma.get(),
                             l.sa_beta.get(), c.dim, c.layer_norm_eps);
    gemm(GemmKind::kFfn1, ctx.hidden.get(), l.ffn1_w, l.ffn1_b, ctx.inner.get());
    launch_gelu<T>(stream, batch.counts, rows, c.hidden_dim, ctx.inner.get());
    gemm(GemmKind::kFfn2, ctx.inner.get(), l.ffn2_w, l.ffn2_b, ctx.tmp.get());
    launch_add_layer_norm<T>(stream, batch.counts, rows, ctx.hidden.get(), ctx.tmp.get(), l.out_gamma.get(),
                             l.out_beta.get(), c.dim, c.layer_norm_eps);
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

template void enqueue_encoder<float>(const DeviceModel<float>&, const AlgoTable&, ExecContext<float>&,
                                     const RunShape&);
template void enqueue_encoder<__half>(const DeviceModel<__half>&, const AlgoTable&, ExecContext<__half>&,
                                      const RunShape&);
template GemmOperands gemm_operands<float>(const DeviceModel<float>&, ExecContext<float>&);
template GemmOperands gemm_operands<__half>(const DeviceModel<__half>&, ExecContext<__half>&);

}  // namespace acgs::cuda
