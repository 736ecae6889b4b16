#include "scorer/scorer_factory.h"

#include "common/error.h"
#include "engine/backend_factory.h"
#include "model/default_model.h"
#include "model/model_files.h"
#include "scorer/backend_embedder.h"

namespace acgs {
namespace {

// "auto": the fastest CPU backend that runs here. The engine's full fallback chain (GPU plans first)
// replaces this once it exists.
std::unique_ptr<Backend> open_backend(const std::string& name, std::shared_ptr<const ModelWeights> weights,
                                      int threads) {
  BackendOptions options;
  options.threads = threads;
  if (name != "auto") return make_backend(name, std::move(weights), options);
  try {
    return make_backend("cpu", weights, options);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kUnavailable) throw;
    return make_backend("reference", std::move(weights), options);
  }
}

std::shared_ptr<TextEmbedder> open_embedder(const ScorerOptions& options, const ScoringConfig& config) {
  const ModelFiles files = locate_model(resolve_model_dir(options.model));
  if (files.tokenizer.empty()) {
    fail(ErrorKind::kInvalidModel, "model directory " + files.dir.string() +
                                       " has no tokenizer.json or vocab.txt; copy the model's tokenizer files there");
  }
  auto tokenizer = std::make_shared<const Tokenizer>(Tokenizer::from_file(files.tokenizer));
  auto weights = std::make_shared<const ModelWeights>(load_weights(files));
  std::shared_ptr<Backend> backend = open_backend(options.backend, std::move(weights), options.threads);
  if (config.embedding.max_length > backend->config().max_position_embeddings) {
    fail(ErrorKind::kInvalidArgument, "embedding.max_length " + std::to_string(config.embedding.max_length) +
                                          " exceeds the model's " +
                                          std::to_string(backend->config().max_position_embeddings) + " positions");
  }
  return std::make_shared<BackendEmbedder>(std::move(tokenizer), std::move(backend), config.embedding.max_length);
}

}  // namespace

std::unique_ptr<ImpactScorer> make_impact_scorer(const ScorerOptions& options, std::string* note) {
  const ScoringConfig config = options.config.empty() ? ScoringConfig{} : load_scoring_config(options.config);
  std::shared_ptr<TextEmbedder> embedder;
  if (options.backend != "heuristic") {
    const bool implicit = options.backend == "auto" && (options.model.empty() || options.model == "default");
    try {
      embedder = open_embedder(options, config);
    } catch (const Error& e) {
      if (!implicit) throw;
      if (note) *note = std::string("no usable default model (") + e.what() + "); scoring with keyword heuristics";
    }
  }
  return std::make_unique<ImpactScorer>(config, std::move(embedder),
                                        options.state ? options.state(config.state) : nullptr);
}

}  // namespace acgs
