#include "server/access_log.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace acgs::server {
namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

std::string access_log_line(const AccessRecord& r) {
  nlohmann::ordered_json j;
  j["ts"] = utc_now();
  j["remote"] = r.remote;
  j["method"] = r.method;
  j["path"] = r.path;
  j["status"] = r.status;
  j["duration_ms"] = std::round(r.duration_ms * 1000) / 1000;
  j["bytes_in"] = r.bytes_in;
  j["bytes_out"] = r.bytes_out;
  if (!r.request_id.empty()) j["request_id"] = r.request_id;
  if (!r.trace_id.empty()) j["trace_id"] = r.trace_id;
  // Paths come from the client: replace invalid UTF-8 instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void write_access_log(const AccessRecord& record) {
  static std::mutex mu;
  const std::string line = access_log_line(record);
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace acgs::server
