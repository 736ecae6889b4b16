#include "backend/cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "backend/activation.h"
#include "backend/cpu/packed_matrix.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/workspace.h"
#include "backend/embedding_rows.h"
#include "common/error.h"

namespace acgs {
namespace {

using cpu::Epilogue;
using cpu::round_up;

// One projection packed for the precision the backend runs (the other member stays empty).
struct Linear {
  cpu::PackedMatrix f32;
  cpu::PackedMatrixI8 i8;
};

struct Layer {
  Linear qkv, out, ffn1, ffn2;
};

Linear pack_linear(CpuPrecision precision, const std::vector<float>& w, const std::vector<float>& b, int n, int k) {
  Linear l;
  if (precision == CpuPrecision::kInt8) {
    l.i8 = cpu::pack_i8(w.data(), b.data(), n, k);
  } else {
    l.f32 = cpu::pack_f32(w.data(), b.data(), n, k);
  }
  return l;
}

template <typename... Ts>
std::vector<float> concat(const Ts&... parts) {
  std::vector<float> all;
  (all.insert(all.end(), parts.data.begin(), parts.data.end()), ...);
  return all;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "CPU";
}

class CpuBackend final : public Backend {
 public:
  CpuBackend(std::shared_ptr<const ModelWeights> weights, const CpuBackendOptions& options)
      : weights_(std::move(weights)),
        config_(weights_->config),
        precision_(options.precision),
        kernels_(options.kernels ? *options.kernels : cpu::best_kernels()),
        pool_(options.threads > 0 ? options.threads : cpu::physical_cores()),
        workspaces_(shape()),
        positions_(position_rows(*weights_)),
        fused_gelu_(config_.activation == "gelu") {
    if (!is_supported_activation(config_.activation))
      fail(ErrorKind::kInvalidModel, "cpu backend: activation '" + config_.activation +
                                         "' is not supported: use gelu, gelu_new or relu");
    const int d = config_.dim, h = config_.hidden_dim;
    for (const LayerWeights& lw : weights_->layers) {
      Layer l;
      l.qkv = pack_linear(precision_, concat(lw.q_w, lw.k_w, lw.v_w), concat(lw.q_b, lw.k_b, lw.v_b), 3 * d, d);
      l.out = pack_linear(precision_, lw.out_w.data, lw.out_b.data, d, d);
      l.ffn1 = pack_linear(precision_, lw.ffn1_w.data, lw.ffn1_b.data, h, d);
      l.ffn2 = pack_linear(precision_, lw.ffn2_w.data, lw.ffn2_b.data, d, h);
      layers_.push_back(std::move(l));
    }
  }

  BackendInfo info() const override {
    const bool int8 = precision_ == CpuPrecision::kInt8;
    return {int8 ? "cpu-int8" : "cpu", int8 ? "int8" : "fp32",
            cpu_model_name() + " (" + kernels_.isa + ", " + std::to_string(pool_.size()) + " threads)"};
  }
  const ModelConfig& config() const override { return config_; }

  void forward(const TokenBatch& batch, std::span<float> hidden) override {
    check_batch(batch, config_);
    check_output(hidden, size_t(batch.total_tokens()) * config_.dim, "hidden");
    auto lease = workspaces_.acquire(batch.total_tokens(), batch.max_length());
    cpu::Workspace& ws = *lease;
    embed_tokens(batch, ws);
    for (const Layer& layer : layers_) run_layer(batch, layer, ws);
    const int t = batch.total_tokens(), ld = shape().ld_hidden;
    for (int r = 0; r < t; ++r) {
      std::memcpy(hidden.data() + size_t(r) * config_.dim, ws.x.data() + size_t(r) * ld, sizeof(float) * config_.dim);
    }
  }

 private:
  cpu::WorkspaceShape shape() const {
    cpu::WorkspaceShape s;
    s.ld_hidden = round_up(config_.dim, cpu::kPanel);
    s.ld_qkv = round_up(3 * config_.dim, cpu::kPanel);
    s.ld_ffn = round_up(config_.hidden_dim, cpu::kPanel);
    s.ld_quant = precision_ == CpuPrecision::kInt8 ? cpu::padded_k_i8(std::max(config_.dim, config_.hidden_dim)) : 0;
    s.head_dim = config_.head_dim();
    s.workers = pool_.size();
    return s;
  }

  // x = LayerNorm(word_embeddings[id] + positions_[position in its sequence]).
  void embed_tokens(const TokenBatch& batch, cpu::Workspace& ws) {
    for (int s = 0; s < batch.size(); ++s) {
      for (int i = batch.offsets[s]; i < batch.offsets[s + 1]; ++i) ws.positions[i] = i - batch.offsets[s];
    }
    const int d = config_.dim, ld = shape().ld_hidden;
    pool_.parallel_for(batch.total_tokens(), [&](int begin, int end, int) {
      for (int i = begin; i < end; ++i) {
        const float* word = weights_->word_embeddings.data.data() + size_t(batch.ids[i]) * d;
        const float* pos = positions_.data() + size_t(ws.positions[i]) * d;
        float* row = ws.x.data() + size_t(i) * ld;
        for (int j = 0; j < d; ++j) row[j] = word[j] + pos[j];
      }
      kernels_.layer_norm(ws.x.data() + size_t(begin) * ld, end - begin, d, ld, weights_->emb_norm_g.data.data(),
                          weights_->emb_norm_b.data.data(), config_.layer_norm_eps);
    });
  }

  // c[m, w.n] = epilogue(a · Wᵀ + b), split over GEMM panels (int8: activations quantized per row first).
  void linear(cpu::Workspace& ws, const float* a, int m, int lda, const Linear& w, const Epilogue& ep, float* c,
              int ldc) {
    if (precision_ == CpuPrecision::kInt8) {
      const int ldq = shape().ld_quant;
      pool_.parallel_for(m, [&](int begin, int end, int) {
        kernels_.quantize_rows(a + size_t(begin) * lda, end - begin, w.i8.k, lda, ws.quant.data() + size_t(begin) * ldq,
                               ldq, ws.quant_scale.data() + begin, ws.quant_zero.data() + begin);
      });
      const cpu::QuantizedRows aq{ws.quant.data(), ldq, ws.quant_scale.data(), ws.quant_zero.data()};
      pool_.parallel_for(w.i8.n_panels(), [&](int begin, int end, int) {
        kernels_.gemm_i8(aq, m, w.i8, begin, end, ep, c, ldc);
      });
    } else {
      pool_.parallel_for(w.f32.n_panels(), [&](int begin, int end, int) {
        kernels_.gemm_f32(a, m, lda, w.f32, begin, end, ep, c, ldc);
      });
    }
  }

  void layer_norm(float* x, int m, const Tensor& gamma, const Tensor& beta) {
    const int ld = shape().ld_hidden;
    pool_.parallel_for(m, [&](int begin, int end, int) {
      kernels_.layer_norm(x + size_t(begin) * ld, end - begin, config_.dim, ld, gamma.data.data(), beta.data.data(),
                          config_.layer_norm_eps);
    });
  }

  void run_layer(const TokenBatch& batch, const Layer& layer, cpu::Workspace& ws) {
    const cpu::WorkspaceShape s = shape();
    const LayerWeights& lw = weights_->layers[&layer - layers_.data()];
    const int t = batch.total_tokens();
    linear(ws, ws.x.data(), t, s.ld_hidden, layer.qkv, {}, ws.qkv.data(), s.ld_qkv);
    attention(batch, ws);
    linear(ws, ws.ctx.data(), t, s.ld_hidden, layer.out, {Epilogue::Kind::kBiasResidual, ws.x.data(), s.ld_hidden},
           ws.x2.data(), s.ld_hidden);
    layer_norm(ws.x2.data(), t, lw.sa_norm_g, lw.sa_norm_b);
    linear(ws, ws.x2.data(), t, s.ld_hidden, layer.ffn1,
           {fused_gelu_ ? Epilogue::Kind::kBiasGelu : Epilogue::Kind::kBias, nullptr, 0}, ws.ffn.data(), s.ld_ffn);
    if (!fused_gelu_) activate(ws.ffn.data(), t, s.ld_ffn);
    linear(ws, ws.ffn.data(), t, s.ld_ffn, layer.ffn2, {Epilogue::Kind::kBiasResidual, ws.x2.data(), s.ld_hidden},
           ws.x.data(), s.ld_hidden);
    layer_norm(ws.x.data(), t, lw.out_norm_g, lw.out_norm_b);
  }

  // The activations the GEMM epilogue does not fuse (gelu_new, relu), row by row in place.
  void activate(float* x, int m, int ld) {
    pool_.parallel_for(m, [&](int begin, int end, int) {
      for (int r = begin; r < end; ++r) apply_activation(config_.activation, x + size_t(r) * ld, config_.hidden_dim);
    });
  }

  // One task per (head, sequence), head-major so that each worker's contiguous chunk holds a share of
  // every sequence: a batch mixing 1- and 512-token texts still splits evenly.
  void attention(const TokenBatch& batch, cpu::Workspace& ws) {
    const cpu::WorkspaceShape s = shape();
    const int n_seq = batch.size();
    pool_.parallel_for(config_.n_heads * n_seq, [&](int begin, int end, int worker) {
      float* scratch = ws.scratch.data() + ws.scratch_stride * worker;
      for (int task = begin; task < end; ++task) {
        const int head = task / n_seq, seq = task % n_seq;
        const size_t first = static_cast<size_t>(batch.offsets[seq]);
        kernels_.attention(ws.qkv.data() + first * s.ld_qkv, s.ld_qkv, batch.length(seq), config_.dim, s.head_dim,
                           head, ws.ctx.data() + first * s.ld_hidden, s.ld_hidden, scratch);
      }
    });
  }

  std::shared_ptr<const ModelWeights> weights_;
  ModelConfig config_;
  CpuPrecision precision_;
  const cpu::CpuKernels& kernels_;
  cpu::ThreadPool pool_;
  cpu::WorkspacePool workspaces_;
  std::vector<float> positions_;  // position_rows(): [max_position_embeddings, dim]
  bool fused_gelu_;               // exact GELU runs in the FFN1 epilogue; other activations after it
  std::vector<Layer> layers_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const ModelWeights> weights,
                                          const CpuBackendOptions& options) {
  if (!weights) fail(ErrorKind::kInvalidArgument, "make_cpu_backend: no weights given; load a model first");
  if (options.threads < 0) {
    fail(ErrorKind::kInvalidArgument, "cpu backend: --threads must be >= 0 (0 = physical cores), got " +
                                          std::to_string(options.threads));
  }
  return std::make_unique<CpuBackend>(std::move(weights), options);
}

}  // namespace acgs
