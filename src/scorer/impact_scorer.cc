#include "scorer/impact_scorer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "scorer/memory_state_store.h"
#include "scorer/recommendation.h"

namespace acgs {

nlohmann::ordered_json to_json(const ImpactResult& r) {
  const ImpactFactors& f = r.factors;
  return nlohmann::ordered_json{{"score", r.score},
                                {"factors",
                                 {{"semantic", f.semantic},
                                  {"permission", f.permission},
                                  {"volume", f.volume},
                                  {"context", f.context},
                                  {"drift", f.drift},
                                  {"priority", f.priority},
                                  {"type", f.type}}},
                                {"recommendation", r.recommendation},
                                {"requires_deliberation", r.requires_deliberation}};
}

ImpactScorer::ImpactScorer(ScoringConfig config, std::shared_ptr<TextEmbedder> embedder,
                           std::shared_ptr<AgentStateStore> store)
    : config_(std::move(config)), embedder_(std::move(embedder)), store_(std::move(store)) {
  config_.validate();
  if (!store_) store_ = std::make_shared<MemoryAgentStateStore>(config_.state);
  if (embedder_) {
    keyword_embeddings_.resize(config_.keywords.size() * static_cast<size_t>(embedder_->dim()));
    embedder_->embed(config_.keywords, keyword_embeddings_);
  }
}

std::string ImpactScorer::mode() const { return embedder_ ? embedder_->name() : "heuristic"; }

double ImpactScorer::max_keyword_similarity(std::span<const float> v) const {
  const size_t dim = v.size();
  double best = -1.0;
  for (size_t k = 0; k < config_.keywords.size(); ++k) {
    const float* kw = keyword_embeddings_.data() + k * dim;
    double dot = 0.0;
    for (size_t d = 0; d < dim; ++d) dot += static_cast<double>(v[d]) * kw[d];
    best = std::max(best, dot);
  }
  return best;
}

ImpactResult ImpactScorer::score(const ScoringMessage& message, const ScoringContext& context) {
  return std::move(score_batch({&message, 1}, {&context, 1}).front());
}

std::vector<ImpactResult> ImpactScorer::score_batch(std::span<const ScoringMessage> messages,
                                                    std::span<const ScoringContext> contexts) {
  if (!contexts.empty() && contexts.size() != messages.size()) {
    fail(ErrorKind::kInvalidArgument, "score_batch: " + std::to_string(contexts.size()) + " contexts for " +
                                          std::to_string(messages.size()) + " messages; pass one per message or none");
  }
  const ScoringContext no_context;
  const auto context_of = [&](size_t i) -> const ScoringContext& {
    return contexts.empty() ? no_context : contexts[i];
  };
  const size_t n = messages.size();

  // 1. Semantic factor: keywords for every text, then one embedder call for the texts that need the model.
  std::vector<double> semantic(n), keyword(n);
  std::vector<std::string> model_texts;
  std::vector<size_t> model_rows;
  for (size_t i = 0; i < n; ++i) {
    std::string text = normalized_text(messages[i]);
    keyword[i] = keyword_score(text, config_.keywords);
    semantic[i] = keyword[i];
    if (const auto& override = context_of(i).semantic_override) {
      semantic[i] = *override;
    } else if (embedder_ && !text.empty()) {
      model_rows.push_back(i);
      model_texts.push_back(std::move(text));
    }
  }
  if (!model_texts.empty()) {
    const size_t dim = static_cast<size_t>(embedder_->dim());
    std::vector<float> vectors(model_texts.size() * dim);
    embedder_->embed(model_texts, vectors);
    for (size_t r = 0; r < model_rows.size(); ++r) {
      const size_t i = model_rows[r];
      const double similarity = max_keyword_similarity({vectors.data() + r * dim, dim});
      semantic[i] = std::max(keyword[i], embedding_score(similarity, keyword[i], config_.embedding));
    }
  }

  // 2. Per-agent state, in input order (nothing above touched it, so a failed embed leaves it unchanged).
  std::vector<AgentSample> samples(n);
  for (size_t i = 0; i < n; ++i) samples[i] = {agent_of(messages[i], context_of(i)), semantic[i]};
  const std::vector<Observation> observed = store_->observe_batch(samples);

  // 3. The remaining factors and the combination.
  std::vector<ImpactResult> results(n);
  for (size_t i = 0; i < n; ++i) {
    const ScoringMessage& m = messages[i];
    const ScoringContext& c = context_of(i);
    ImpactResult& r = results[i];
    r.factors = {semantic[i],
                 permission_factor(m.tools),
                 volume_factor(observed[i].earlier_messages),
                 context_factor(m),
                 observed[i].drift,
                 priority_factor(effective_priority(m, c)),
                 type_factor(effective_type(m, c))};
    const Combined combined = combine(r.factors, config_);
    r.score = combined.score;
    r.requires_deliberation = r.score >= config_.deliberation_threshold;
    r.recommendation = recommendation_text(r.factors, combined, config_);
  }
  return results;
}

}  // namespace acgs
