#include "scorer/redis/state_store_factory.h"

#include <cstdlib>

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
  // The password may stay out of the command line (and `ps`): taken from the environment when the URL has none.
  if (const char* password = std::getenv("ACGS_REDIS_PASSWORD"); password != nullptr && options.url.password.empty())
    options.url.password = password;
  auto shared = std::make_shared<FailoverStateStore>(std::make_unique<RedisAgentStateStore>(options, limits), limits,
                                                     std::move(on_degraded));
  shared->probe();
  return {shared, shared};
}

}  // namespace acgs
