#include "scorer/scorer_factory.h"

#include "common/error.h"
#include "engine/engine.h"
#include "model/default_model.h"
#include "scorer/engine_embedder.h"

namespace acgs {
namespace {

// The engine's backend chain ("auto": a CUDA plan when one runs here, then cpu, reference) or the one backend
// asked for, with its batching.
std::shared_ptr<TextEmbedder> open_embedder(const ScorerOptions& options, const ScoringConfig& config) {
  EngineOptions engine_options;
  engine_options.backend = options.backend;
  engine_options.threads = options.threads;
  std::shared_ptr<const Engine> engine = Engine::open(resolve_model_dir(options.model).string(), engine_options);
  return std::make_shared<EngineEmbedder>(std::move(engine), config.embedding.max_length);
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
