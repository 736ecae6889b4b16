// `acgs-infer bench`: latency (or throughput) of one backend's forward()/embed() on pre-tokenized synthetic
// input, so backends and peers (ONNX Runtime, see bench/compare_cpu.sh) are timed on exactly the same
// token counts. Tokenization is excluded on purpose: it is the same for every backend.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "common/error.h"
#include "engine/backend_factory.h"
#include "model/default_model.h"
#include "model/model_files.h"

namespace acgs::cli {
namespace {

struct BenchOptions {
  std::string model;
  std::string backend = "cpu";
  std::string seqs = "16,64,128";
  std::string op = "embed";
  int batch = 1;
  int samples = 50;
  int warmup = 5;
  int threads = 0;
  bool throughput = false;
};

std::vector<int> parse_lengths(const std::string& text) {
  std::vector<int> lengths;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int n = std::stoi(item, &used);
      if (used != item.size() || n < 1) throw std::invalid_argument(item);
      lengths.push_back(n);
    } catch (const std::exception&) {
      fail(ErrorKind::kInvalidArgument, "--seqs: '" + item + "' is not a positive token count; use e.g. --seqs 16,64,128");
    }
  }
  if (lengths.empty()) fail(ErrorKind::kInvalidArgument, "--seqs is empty; use e.g. --seqs 16,64,128");
  return lengths;
}

// `batch` sequences of exactly `length` tokens: [CLS] w... [SEP] with deterministic pseudo-random word ids
// (a fixed LCG), so every run and every backend sees identical input.
TokenBatch synthetic_batch(const ModelConfig& config, int batch, int length) {
  constexpr int32_t kCls = 101, kSep = 102, kFirstWord = 1000;
  const int32_t span = std::max(1, config.vocab_size - kFirstWord);
  uint32_t state = 12345u + static_cast<uint32_t>(length);
  TokenBatch tokens;
  std::vector<int32_t> seq(static_cast<size_t>(length));
  for (int b = 0; b < batch; ++b) {
    for (int t = 0; t < length; ++t) {
      state = state * 1664525u + 1013904223u;
      seq[t] = kFirstWord + static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(span));
    }
    seq[0] = kCls;
    if (length > 1) seq[length - 1] = kSep;
    for (auto& id : seq) id = std::min(id, config.vocab_size - 1);
    tokens.add(seq);
  }
  return tokens;
}

class Runner {
 public:
  Runner(Backend& backend, const TokenBatch& batch, bool embed) : backend_(backend), batch_(batch), embed_(embed) {
    const size_t dim = static_cast<size_t>(backend.config().dim);
    out_.resize((embed ? batch.size() : batch.total_tokens()) * dim);
  }
  // Milliseconds of one call.
  double run() {
    const auto start = std::chrono::steady_clock::now();
    if (embed_) {
      backend_.embed(batch_, Pooling::kMean, true, out_);
    } else {
      backend_.forward(batch_, out_);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

 private:
  Backend& backend_;
  const TokenBatch& batch_;
  bool embed_;
  std::vector<float> out_;
};

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::vector<double> measure(Runner& runner, int warmup, int samples) {
  for (int i = 0; i < warmup; ++i) runner.run();
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(samples));
  for (int i = 0; i < samples; ++i) ms.push_back(runner.run());
  return ms;
}

void run_bench(const BenchOptions& opt) {
  if (opt.batch < 1) fail(ErrorKind::kInvalidArgument, "--batch must be >= 1");
  if (opt.samples < 1) fail(ErrorKind::kInvalidArgument, "--samples must be >= 1");
  if (opt.warmup < 0) fail(ErrorKind::kInvalidArgument, "--warmup must be >= 0");
  if (opt.threads < 0) fail(ErrorKind::kInvalidArgument, "--threads must be >= 0 (0 = physical cores)");
  if (opt.op != "embed" && opt.op != "forward") {
    fail(ErrorKind::kInvalidArgument, "--op must be 'embed' or 'forward', got '" + opt.op + "'");
  }
  const std::vector<int> lengths = parse_lengths(opt.seqs);
  if (opt.throughput && lengths.size() != 1) {
    fail(ErrorKind::kInvalidArgument, "--throughput takes exactly one length in --seqs (e.g. --seqs 128)");
  }

  const ModelFiles files = locate_model(resolve_model_dir(opt.model));
  auto weights = std::make_shared<const ModelWeights>(load_weights(files));
  for (int n : lengths) {
    if (n > weights->config.max_position_embeddings) {
      fail(ErrorKind::kInvalidArgument, "--seqs: " + std::to_string(n) + " tokens exceeds the model's " +
                                            std::to_string(weights->config.max_position_embeddings) +
                                            " positions; use shorter lengths");
    }
  }
  BackendOptions backend_options;
  backend_options.threads = opt.threads;
  backend_options.max_batch = std::max(backend_options.max_batch, opt.batch);
  backend_options.max_seq = std::max(backend_options.max_seq, *std::max_element(lengths.begin(), lengths.end()));
  auto backend = make_backend(opt.backend, weights, backend_options);

  nlohmann::ordered_json out;
  const BackendInfo info = backend->info();
  out["backend"] = info.name;
  out["precision"] = info.precision;
  out["device"] = info.device;
  if (!info.notes.empty()) out["notes"] = info.notes;
  out["threads"] = opt.threads;
  out["batch"] = opt.batch;
  out["op"] = opt.op;
  out["samples"] = opt.samples;
  out["warmup"] = opt.warmup;
  if (opt.throughput) {
    const TokenBatch tokens = synthetic_batch(weights->config, opt.batch, lengths[0]);
    Runner runner(*backend, tokens, opt.op == "embed");
    const std::vector<double> ms = measure(runner, opt.warmup, opt.samples);
    double total = 0;
    for (double v : ms) total += v;
    const double per_batch = total / static_cast<double>(ms.size());
    out["seq_len"] = lengths[0];
    out["ms_per_batch"] = round3(per_batch);
    out["seq_per_s"] = round3(1000.0 * opt.batch / per_batch);
  } else {
    nlohmann::ordered_json per_length;
    for (int n : lengths) {
      const TokenBatch tokens = synthetic_batch(weights->config, opt.batch, n);
      Runner runner(*backend, tokens, opt.op == "embed");
      std::vector<double> ms = measure(runner, opt.warmup, opt.samples);
      double total = 0;
      for (double v : ms) total += v;
      std::sort(ms.begin(), ms.end());
      per_length[std::to_string(n)] = {{"min", round3(ms.front())},
                                       {"p50", round3(percentile(ms, 50))},
                                       {"p99", round3(percentile(ms, 99))},
                                       {"mean", round3(total / static_cast<double>(ms.size()))}};
    }
    out["ms"] = per_length;
  }
  std::printf("%s\n", out.dump().c_str());
}

}  // namespace

void register_bench(CLI::App& app) {
  auto opt = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Time one backend on synthetic pre-tokenized input; prints one JSON object");
  cmd->add_option("--model", opt->model, "Model directory (default: the built-in default model)");
  cmd->add_option("--backend", opt->backend, "Backend name (reference, cpu, cpu-int8, cuda-fp32, cuda-fp16)")
      ->capture_default_str();
  cmd->add_option("--seqs", opt->seqs, "Comma-separated token counts per sequence")->capture_default_str();
  cmd->add_option("--batch", opt->batch, "Sequences per call")->capture_default_str();
  cmd->add_option("--samples", opt->samples, "Timed calls per length")->capture_default_str();
  cmd->add_option("--warmup", opt->warmup, "Untimed calls before timing")->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Worker threads (0 = physical cores)")->capture_default_str();
  cmd->add_option("--op", opt->op, "embed (mean-pooled, normalized) or forward (all hidden states)")
      ->capture_default_str();
  cmd->add_flag("--throughput", opt->throughput, "Report seq_per_s and ms_per_batch for one length");
  cmd->callback([opt] { run_bench(*opt); });
}

}  // namespace acgs::cli
