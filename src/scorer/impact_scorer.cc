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

namespace {

void check_contexts(size_t contexts, size_t messages) {
  if (contexts != 0 && contexts != messages) {
    fail(ErrorKind::kInvalidArgument, "score_batch: " + std::to_string(contexts) + " contexts for " +
                                          std::to_string(messages) + " messages; pass one per message or none");
  }
}

const ScoringContext& context_of(std::span<const ScoringContext> contexts, size_t i) {
  static const ScoringContext no_context;
  return contexts.empty() ? no_context : contexts[i];
}

}  // namespace

std::vector<ImpactResult> ImpactScorer::score_batch(std::span<const ScoringMessage> messages,
                                                    std::span<const ScoringContext> contexts) {
  const Plan p = plan(messages, contexts);
  std::vector<float> vectors(p.texts.size() * static_cast<size_t>(embedder_ ? embedder_->dim() : 0));
  if (!p.texts.empty()) embedder_->embed(p.texts, vectors);
  return finish(p, vectors, messages, contexts);
}

// 1. Semantic factor: keywords for every text; the texts that need the model are listed for one embedding call.
ImpactScorer::Plan ImpactScorer::plan(std::span<const ScoringMessage> messages,
                                      std::span<const ScoringContext> contexts) const {
  check_contexts(contexts.size(), messages.size());
  const size_t n = messages.size();
  Plan p;
  p.keyword.resize(n);
  p.semantic.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::string text = normalized_text(messages[i]);
    p.keyword[i] = keyword_score(text, config_.keywords);
    p.semantic[i] = p.keyword[i];
    if (const auto& override = context_of(contexts, i).semantic_override) {
      p.semantic[i] = *override;
    } else if (embedder_ && !text.empty()) {
      p.rows.push_back(i);
      p.texts.push_back(std::move(text));
    }
  }
  return p;
}

std::vector<ImpactResult> ImpactScorer::finish(const Plan& plan, std::span<const float> embeddings,
                                               std::span<const ScoringMessage> messages,
                                               std::span<const ScoringContext> contexts) {
  check_contexts(contexts.size(), messages.size());
  const size_t n = messages.size();
  const size_t dim = embedder_ ? static_cast<size_t>(embedder_->dim()) : 0;
  if (plan.semantic.size() != n || embeddings.size() != plan.texts.size() * dim)
    fail(ErrorKind::kInvalidArgument, "ImpactScorer::finish: the plan, embeddings and messages do not belong together");
  std::vector<double> semantic = plan.semantic;
  for (size_t r = 0; r < plan.rows.size(); ++r) {
    const size_t i = plan.rows[r];
    const double similarity = max_keyword_similarity(embeddings.subspan(r * dim, dim));
    semantic[i] = std::max(plan.keyword[i], embedding_score(similarity, plan.keyword[i], config_.embedding));
  }

  // 2. Per-agent state, in input order (nothing above touched it, so a failed embed leaves it unchanged).
  std::vector<AgentSample> samples(n);
  for (size_t i = 0; i < n; ++i) samples[i] = {agent_of(messages[i], context_of(contexts, i)), semantic[i]};
  const std::vector<Observation> observed = store_->observe_batch(samples);

  // 3. The remaining factors and the combination.
  std::vector<ImpactResult> results(n);
  for (size_t i = 0; i < n; ++i) {
    const ScoringMessage& m = messages[i];
    const ScoringContext& c = context_of(contexts, i);
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
