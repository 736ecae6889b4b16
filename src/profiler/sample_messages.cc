#include "profiler/sample_messages.h"

namespace acgs::profiler {
namespace {

// The seed's SAMPLE_MESSAGES, verbatim.
constexpr const char* kSampleMessages = R"([
  {"content": "Critical security breach detected in blockchain consensus layer", "priority": "CRITICAL",
   "tools": [{"name": "admin_execute"}], "payload": {"amount": 50000}},
  {"content": "Emergency governance policy violation requires immediate review", "priority": "HIGH",
   "message_type": "governance_request", "tools": [{"name": "policy_override"}]},
  {"content": "Unauthorized financial transfer attempt blocked by constitutional guard", "priority": "CRITICAL",
   "tools": [{"name": "blockchain_transfer"}, {"name": "payment_execute"}]},
  {"content": "Requesting compliance check for new user registration flow", "priority": "MEDIUM",
   "tools": [{"name": "read_database"}]},
  {"content": "Performance metrics indicate potential anomaly in request patterns", "priority": "HIGH",
   "tools": [{"name": "metrics_read"}]},
  {"content": "Standard health check request", "priority": "LOW", "tools": []},
  {"content": "User profile update notification", "priority": "LOW", "tools": [{"name": "read_profile"}]},
  {"content": "Cache refresh completed successfully", "priority": "LOW"}
])";

}  // namespace

const std::vector<nlohmann::json>& sample_messages() {
  static const std::vector<nlohmann::json> messages = nlohmann::json::parse(kSampleMessages).get<std::vector<nlohmann::json>>();
  return messages;
}

BenchMessage MessageGenerator::next() {
  const auto& all = sample_messages();
  const nlohmann::json* message = &all[rng_.below(all.size())];
  return {message, "agent_" + std::to_string(rng_.below(100) + 1)};
}

}  // namespace acgs::profiler
