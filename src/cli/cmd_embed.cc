// `acgs-infer embed`: JSONL texts on stdin -> one embedding (or per-token hidden states) per line on
// stdout. Lines are tokenized and run through the backend in packed batches of --batch-size; a line
// that cannot be used gets an {"error": …} line and the rest go on.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/jsonl_io.h"
#include "common/error.h"
#include "engine/backend_factory.h"
#include "model/default_model.h"
#include "model/model_files.h"
#include "tokenizer/tokenizer.h"

namespace acgs::cli {
namespace {

struct EmbedOptions {
  std::string model;
  std::string backend = "reference";
  std::string pooling = "mean";
  bool normalize = false;
  int max_length = 128;
  std::string output = "embedding";
  int batch_size = 32;
};

class Embedder {
 public:
  explicit Embedder(const EmbedOptions& options) : options_(options) {
    const ModelFiles files = locate_model(resolve_model_dir(options.model));
    if (files.tokenizer.empty())
      fail(ErrorKind::kInvalidModel, "model directory " + files.dir.string() +
                                         " has no tokenizer.json or vocab.txt: copy the ones the model was trained with");
    tokenizer_.emplace(Tokenizer::from_file(files.tokenizer));
    backend_ = make_backend(options.backend, std::make_shared<const ModelWeights>(load_weights(files)), {});
    const ModelConfig& config = backend_->config();
    if (options.max_length < 2 || options.max_length > config.max_position_embeddings)
      fail(ErrorKind::kInvalidArgument, "--max-length " + std::to_string(options.max_length) +
                                            " is outside [2, " + std::to_string(config.max_position_embeddings) +
                                            "] (room for [CLS] [SEP], at most the model's positions)");
    if (tokenizer_->vocab_size() > config.vocab_size)
      fail(ErrorKind::kInvalidModel, "the tokenizer in " + files.tokenizer.string() + " has " +
                                         std::to_string(tokenizer_->vocab_size()) + " tokens but the model only " +
                                         std::to_string(config.vocab_size) + ": they do not belong together");
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
        const std::vector<int32_t> ids = tokenizer_->encode(parse_text_line(pending_[i], n), options_.max_length);
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
    const int dim = backend_->config().dim;
    if (options_.output == "hidden") {
      std::vector<float> hidden(size_t(batch.total_tokens()) * dim);
      backend_->forward(batch, hidden);
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
    backend_->embed(batch, options_.pooling == "cls" ? Pooling::kCls : Pooling::kMean, options_.normalize, pooled);
    for (int s = 0; s < batch.size(); ++s) {
      std::string& o = out[in_batch[s]];
      o = "{\"embedding\":";
      append_float_array(o, std::span<const float>(pooled).subspan(size_t(s) * dim, dim));
      o += '}';
    }
  }

  EmbedOptions options_;
  std::optional<Tokenizer> tokenizer_;
  std::unique_ptr<Backend> backend_;
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
                   "model directory (config.json, model.safetensors, tokenizer.json or vocab.txt); omitted or "
                   "\"default\": the embedded default model");
  cmd->add_option("--backend", opts->backend, "backend name: " + [] {
    std::string names;
    for (const auto& n : known_backends()) names += (names.empty() ? "" : ", ") + n;
    return names;
  }())->capture_default_str();
  cmd->add_option("--pooling", opts->pooling, "mean (over the tokens) or cls (the first token)")
      ->check(CLI::IsMember({"mean", "cls"}))
      ->capture_default_str();
  cmd->add_flag("--normalize", opts->normalize, "L2-normalize each embedding");
  cmd->add_option("--max-length", opts->max_length, "truncate each text to this many tokens, [CLS] and [SEP] included")
      ->capture_default_str();
  cmd->add_option("--output", opts->output, "embedding (pooled, one vector per text) or hidden (one vector per token)")
      ->check(CLI::IsMember({"embedding", "hidden"}))
      ->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "texts per packed forward pass")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->callback([opts] { Embedder(*opts).run(); });
}

}  // namespace acgs::cli
