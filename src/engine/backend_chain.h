#pragma once
// The engine's fallback chain (see engine.h): which backend runs, and why every other one does not.
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/model_source.h"

namespace acgs {

struct ChainResult {
  std::shared_ptr<Backend> backend;  // nullptr when nothing could run
  std::string active = "none";
  std::vector<BackendAttempt> attempts;  // one per known backend, in chain order
  PlanState plan;
};

// `requested`: empty = the automatic chain; otherwise only that backend, and Error(kUnavailable) with the
// reason when it cannot run (Error(kInvalidArgument) for an unknown name).
ChainResult select_backend(const LoadedModel& model, const EngineOptions& options, const std::string& requested);

}  // namespace acgs
