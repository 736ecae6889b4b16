#pragma once
// One structured JSON line per request on stderr (no bodies, no headers but the request and trace ids), written
// with a single fwrite under a lock so lines from concurrent requests never interleave.
#include <string>

namespace acgs::server {

struct AccessRecord {
  std::string remote;
  std::string method;
  std::string path;
  std::string request_id;  // X-Request-Id, when the client sent one
  std::string trace_id;    // from a valid W3C traceparent header
  int status = 0;
  double duration_ms = 0;
  size_t bytes_in = 0;
  size_t bytes_out = 0;
};

std::string access_log_line(const AccessRecord& record);  // JSON object and '\n'
void write_access_log(const AccessRecord& record);

}  // namespace acgs::server
