#pragma once
// An error a request handler reports to the client: the HTTP status, a message that says what is wrong
// and how to fix it, and the request field it concerns (empty when none). The HTTP layer turns it into
// {"error": message, "error_type": ..., "field": ...}; 429 also gets a Retry-After header.
#include <stdexcept>
#include <string>

namespace acgs::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message, std::string field = {})
      : std::runtime_error(message), status_(status), field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string field_;
};

// TEI's error_type names: "validation" (4xx from request content), "auth", "overloaded", "unhealthy",
// "backend" (5xx).
inline const char* error_type(int status) {
  switch (status) {
    case 401:
    case 403: return "auth";
    case 429: return "overloaded";
    case 503: return "unhealthy";
    default: return status >= 500 ? "backend" : "validation";
  }
}

}  // namespace acgs::server
