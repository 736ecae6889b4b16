#pragma once
// A request as the endpoints see it, and the reply they give: plain values with no HTTP library types,
// so routing, logging and tests do not depend on the transport.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acgs::server {

struct HttpRequest {
  std::string method;
  std::string path;  // the target without its query string
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;
  std::chrono::steady_clock::time_point started;  // the request's first byte arrived
  // Set when the transport refused the request itself (400, 413, 431): the reply must carry this status,
  // and the connection closes after it.
  int refused = 0;
  std::string refusal;

  // The first header called `name` (case-insensitive), or "" when there is none.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this reply
};

// ASCII case-insensitive equality (header names and tokens).
bool iequals(std::string_view a, std::string_view b);

}  // namespace acgs::server
