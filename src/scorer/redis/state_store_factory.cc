#include "scorer/redis/state_store_factory.h"

#include "scorer/memory_state_store.h"
#include "scorer/redis/redis_url.h"

namespace acgs {
namespace {

bool is_memory(const std::string& spec) { return spec.empty() || spec == "memory"; }

}  // namespace

void check_state_spec(const std::string& spec) {
  if (!is_memory(spec)) parse_redis_url(spec);
}

StateStore make_state_store(const std::string& spec, const StateLimits& limits,
                            FailoverStateStore::DegradedFn on_degraded) {
  if (is_memory(spec)) return {std::make_shared<MemoryAgentStateStore>(limits), nullptr};
  RedisStoreOptions options;
  options.url = parse_redis_url(spec);
  auto shared = std::make_shared<FailoverStateStore>(std::make_unique<RedisAgentStateStore>(options, limits), limits,
                                                     std::move(on_degraded));
  shared->probe();
  return {shared, shared};
}

}  // namespace acgs
