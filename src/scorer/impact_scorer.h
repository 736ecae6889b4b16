#pragma once
// The ACGS-2 impact scorer (v3.1 rules, see factors.h): seven factors, weighted, boosted, capped, and a
// deliberation decision with a reason. Semantic = max(keyword score, thresholded embedding similarity to
// the keywords) when an embedder is given, keyword score alone otherwise; context.semantic_override, when
// present, replaces it.
//
// No global state: each scorer owns its config, keyword embeddings (computed once here) and an agent state
// store (a bounded MemoryAgentStateStore unless one is passed in). score() and score_batch() may be
// called from many threads; results for one agent depend on the order its messages reach the store.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "scorer/agent_state.h"
#include "scorer/factors.h"
#include "scorer/message.h"
#include "scorer/scoring_config.h"
#include "scorer/text_embedder.h"

namespace acgs {

struct ImpactResult {
  double score = 0;
  ImpactFactors factors;
  std::string recommendation;
  bool requires_deliberation = false;
};

// {"score", "factors": {semantic, permission, volume, context, drift, priority, type}, "recommendation",
// "requires_deliberation"}, keys in that order.
nlohmann::ordered_json to_json(const ImpactResult& result);

class ImpactScorer {
 public:
  // Throws Error(kInvalidArgument) for an invalid config; embedder errors (keyword embeddings) propagate.
  explicit ImpactScorer(ScoringConfig config = {}, std::shared_ptr<TextEmbedder> embedder = nullptr,
                        std::shared_ptr<AgentStateStore> store = nullptr);

  ImpactResult score(const ScoringMessage& message, const ScoringContext& context = {});
  // contexts: empty (no contexts) or one per message. All texts needing the model go through the embedder
  // in one call; then the per-agent updates run in input order, so the results equal scoring the messages
  // one by one in that order. If the embedder throws, no agent state has changed.
  std::vector<ImpactResult> score_batch(std::span<const ScoringMessage> messages,
                                        std::span<const ScoringContext> contexts = {});

  // score_batch in two steps, for callers that embed on their own schedule (the server's batcher):
  // plan() does the keyword work and lists the texts that need the model; finish() takes their unit
  // embeddings ([texts.size(), dim], in the plan's order) with the same messages and contexts, and
  // applies the per-agent updates. plan() changes no state, so a failed embedding changes nothing.
  struct Plan {
    std::vector<std::string> texts;  // to embed, in order
    std::vector<size_t> rows;        // the message each text belongs to
    std::vector<double> keyword;     // per message
    std::vector<double> semantic;    // per message, before the embeddings
  };
  Plan plan(std::span<const ScoringMessage> messages, std::span<const ScoringContext> contexts = {}) const;
  std::vector<ImpactResult> finish(const Plan& plan, std::span<const float> embeddings,
                                   std::span<const ScoringMessage> messages,
                                   std::span<const ScoringContext> contexts = {});

  const ScoringConfig& config() const { return config_; }
  bool uses_model() const { return embedder_ != nullptr; }
  std::string mode() const;  // "heuristic" or the embedder's backend name
  AgentStateStore& state() { return *store_; }

 private:
  // Max cosine similarity of unit vector `v` to the keyword embeddings.
  double max_keyword_similarity(std::span<const float> v) const;

  ScoringConfig config_;
  std::shared_ptr<TextEmbedder> embedder_;
  std::shared_ptr<AgentStateStore> store_;
  std::vector<float> keyword_embeddings_;  // [keywords, dim], unit rows
};

}  // namespace acgs
