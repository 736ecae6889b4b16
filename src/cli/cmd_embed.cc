// `acgs-infer embed`: JSONL texts on stdin -> one embedding (or per-token hidden states) per line on
// stdout. Lines are tokenized and run through the backend in packed batches of --batch-size; a line
// that cannot be used gets an {"error": …} line and the rest go on.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/jsonl_io.h"
#include "common/error.h"
#include "engine/backend_factory.h"
#include "engine/engine.h"

namespace acgs::cli {
namespace {

struct EmbedOptions {
  std::string model;
  std::string backend;  // empty: $ACGS_BACKEND, else the engine's fallback chain
  std::string pooling;  // empty: what the model declares (Engine::embed_defaults)
  bool normalize = false;     // --normalize
  bool no_normalize = false;  // --no-normalize; neither: the model's
  int max_length = 0;  // 0: the model's

  std::string output = "embedding";
  int batch_size = 32;
};

class Embedder {
 public:
  explicit Embedder(const EmbedOptions& options) : options_(options) {
    EngineOptions engine_options;
    engine_options.backend = options.backend;
    engine_options.max_batch = options.batch_size;
    engine_ = Engine::open(options.model, engine_options);
    engine_->require_backend();
    const ModelConfig& config = engine_->config();
    acgs::EmbedOptions defaults = engine_->embed_defaults();
    pooling_ = options.pooling.empty() ? defaults.pooling : pooling_from_name(options.pooling);
    normalize_ = options.normalize || (defaults.normalize && !options.no_normalize);
    if (options_.max_length == 0) options_.max_length = defaults.max_length;
    if (options_.max_length < 2 || options_.max_length > config.max_position_embeddings)
      fail(ErrorKind::kInvalidArgument, "--max-length " + std::to_string(options_.max_length) +
                                            " is outside [2, " + std::to_string(config.max_position_embeddings) +
                                            "] (room for [CLS] [SEP], at most the model's positions)");
  }

  // Reads stdin to the end, writing one line per input line.
  void run() {
    for (std::string line; std::getline(std::cin, line);) {
      pending_.push_back(std::move(line));
      if (int(pending_.size()) == options_.batch_size) flush();
    }
    flush();
  }

 private:
  // Tokenizes the pending lines, runs the valid ones as one packed batch and prints every line's result
  // in input order.
  void flush() {
    if (pending_.empty()) return;
    std::vector<std::string> out(pending_.size());
    std::vector<size_t> in_batch;  // which lines made it into the batch, in batch order
    TokenBatch batch;
    for (size_t i = 0; i < pending_.size(); ++i) {
      const long n = lines_done_ + long(i) + 1;
      try {
        const std::vector<int32_t> ids =
            engine_->tokenizer().encode(parse_text_line(pending_[i], n), options_.max_length);
        batch.add(ids);
        in_batch.push_back(i);
      } catch (const Error& e) {
        out[i] = line_error_json(e.what(), n);
      }
    }
    if (!in_batch.empty()) format_results(batch, in_batch, out);
    for (const std::string& o : out) {
      std::fwrite(o.data(), 1, o.size(), stdout);
      std::fputc('\n', stdout);
    }
    std::fflush(stdout);
    lines_done_ += long(pending_.size());
    pending_.clear();
  }

  // out[in_batch[s]] = the JSON line for sequence s of the batch.
  void format_results(const TokenBatch& batch, const std::vector<size_t>& in_batch, std::vector<std::string>& out) {
    const int dim = engine_->config().dim;
    if (options_.output == "hidden") {
      std::vector<float> hidden(size_t(batch.total_tokens()) * dim);
      engine_->forward(batch, hidden);
      for (int s = 0; s < batch.size(); ++s) {
        std::string& o = out[in_batch[s]];
        o = "{\"hidden\":[";
        for (int t = 0; t < batch.length(s); ++t) {
          if (t) o += ',';
          append_float_array(o, std::span<const float>(hidden).subspan(size_t(batch.offsets[s] + t) * dim, dim));
        }
        o += "]}";
      }
      return;
    }
    std::vector<float> pooled(size_t(batch.size()) * dim);
    engine_->embed_tokens(batch, pooling_, normalize_, pooled);
    for (int s = 0; s < batch.size(); ++s) {
      std::string& o = out[in_batch[s]];
      o = "{\"embedding\":";
      append_float_array(o, std::span<const float>(pooled).subspan(size_t(s) * dim, dim));
      o += '}';
    }
  }

  EmbedOptions options_;
  std::unique_ptr<Engine> engine_;
  Pooling pooling_ = Pooling::kMean;
  bool normalize_ = false;
  std::vector<std::string> pending_;  // input lines read but not answered yet
  long lines_done_ = 0;               // input lines answered so far
};

}  // namespace

void register_embed(CLI::App& app) {
  auto opts = std::make_shared<EmbedOptions>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Embed texts: JSONL {\"text\": ...} lines on stdin, one {\"embedding\": [...]} (or "
               "{\"hidden\": [[...] per token]}) line per input line on stdout, in order");
  cmd->add_option("--model", opts->model,
                   "model directory (config.json, model.safetensors, tokenizer.json or vocab.txt), optimum directory "
                   "with model.onnx, or a .onnx file; omitted or \"default\": the embedded default model");
  cmd->add_option("--backend", opts->backend, "backend name: " + [] {
    std::string names = "auto";
    for (const auto& n : known_backends()) names += ", " + n;
    return names + "; default: $ACGS_BACKEND, else auto (the best one that works here, see `acgs-infer status`)";
  }());
  cmd->add_option("--pooling", opts->pooling,
                  "mean (over the tokens), cls (the first token) or max (per dimension); default: what the model's "
                  "sentence-transformers files declare, else mean")
      ->check(CLI::IsMember({"mean", "cls", "max"}));
  CLI::Option* normalize = cmd->add_flag(
      "--normalize", opts->normalize, "L2-normalize each embedding; default: when the model declares a Normalize module");
  cmd->add_flag("--no-normalize", opts->no_normalize, "do not L2-normalize, whatever the model declares")
      ->excludes(normalize);
  cmd->add_option("--max-length", opts->max_length,
                  "truncate each text to this many tokens, [CLS] and [SEP] included; default: the model's "
                  "sentence_bert_config.json max_seq_length, else 128");
  cmd->add_option("--output", opts->output, "embedding (pooled, one vector per text) or hidden (one vector per token)")
      ->check(CLI::IsMember({"embedding", "hidden"}))
      ->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "texts per packed forward pass")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->callback([opts] { Embedder(*opts).run(); });
}

}  // namespace acgs::cli
