#pragma once
// `--state memory|redis://HOST:PORT[/DB]` → the scorer's per-agent state store. Shared by `serve` and
// `score`.
#include <memory>
#include <string>

#include "scorer/agent_state.h"
#include "scorer/redis/failover_state_store.h"
#include "scorer/scoring_config.h"

namespace acgs {

struct StateStore {
  std::shared_ptr<AgentStateStore> store;
  std::shared_ptr<FailoverStateStore> shared;  // the same store when it is Redis-backed, else null
};

// Checks the syntax only (no connection): "memory", "" (= memory) or a redis:// URL. Throws
// Error(kInvalidArgument) saying what is wrong.
void check_state_spec(const std::string& spec);

// A Redis-backed store is probed once (FailoverStateStore::probe): an unreachable Redis is not an error
// here, the store starts degraded and reconnects with backoff; refused credentials or database are.
// $ACGS_REDIS_PASSWORD is the password when the URL carries none.
StateStore make_state_store(const std::string& spec, const StateLimits& limits,
                            FailoverStateStore::DegradedFn on_degraded = {});

}  // namespace acgs
