#pragma once
// The human-readable reason attached to every score: the decision against the threshold, which boost (if
// any) set the score, and the factors that contributed most.
#include <string>

#include "scorer/factors.h"
#include "scorer/scoring_config.h"

namespace acgs {

std::string recommendation_text(const ImpactFactors& factors, const Combined& combined, const ScoringConfig& config);

}  // namespace acgs
