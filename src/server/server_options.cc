#include "server/server_options.h"

#include <cctype>
#include <limits>

#include "common/error.h"

namespace acgs::server {
namespace {

void require(bool ok, const std::string& option, const std::string& rule) {
  if (!ok) fail(ErrorKind::kInvalidArgument, option + " " + rule);
}

}  // namespace

void ServerOptions::validate() const {
  require(port >= 0 && port <= 65535, "--port", "must be a TCP port (0..65535; 0 = any free port)");
  require(threads >= 0, "--threads", "must be >= 0 (0 = physical cores)");
  require(http_threads >= 1 && http_threads <= 64, "--http-threads", "must be in [1, 64]");
  require(max_batch_tokens >= 128, "--max-batch-tokens", "must be >= 128 (one full-length sequence)");
  require(max_batch_requests >= 1, "--max-batch-requests", "must be >= 1");
  require(max_batch_delay_us >= 0 && max_batch_delay_us <= 10'000'000, "--max-batch-delay-us",
          "must be in [0, 10000000]");
  require(max_concurrent_requests >= 1, "--max-concurrent-requests", "must be >= 1");
  require(payload_limit >= 64, "--payload-limit", "must be at least 64 bytes");
  require(max_client_batch_size >= 1, "--max-client-batch-size", "must be >= 1");
  require(drain_timeout_s >= 0, "--drain-timeout", "must be >= 0 seconds");
  require(keep_alive_timeout_s > 0 && keep_alive_timeout_s <= 3600, "--keep-alive-timeout",
          "must be in (0, 3600] seconds");
  require(max_connections >= 1 && max_connections <= 1'000'000, "--max-connections", "must be in [1, 1000000]");
  require(header_timeout_s > 0 && header_timeout_s <= 3600, "--header-timeout", "must be in (0, 3600] seconds");
  require(body_timeout_s > 0 && body_timeout_s <= 3600, "--body-timeout", "must be in (0, 3600] seconds");
  require(body_min_rate >= 1, "--body-min-rate", "must be >= 1 byte per second");
  require(send_timeout_s > 0 && send_timeout_s <= 3600, "--send-timeout", "must be in (0, 3600] seconds");
}

size_t parse_byte_size(const std::string& text) {
  size_t i = 0;
  unsigned long long value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (value > (std::numeric_limits<unsigned long long>::max() - digit) / 10) i = text.size() + 1;
    else value = value * 10 + digit, ++i;
  }
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[j])));
  unsigned long long scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb") scale = 1000;
  else if (unit == "m" || unit == "mb") scale = 1000 * 1000;
  else if (unit == "g" || unit == "gb") scale = 1000 * 1000 * 1000;
  if (i == 0 || i > text.size() || scale == 0 || value > std::numeric_limits<size_t>::max() / scale)
    fail(ErrorKind::kInvalidArgument, "--payload-limit '" + text + "' is not a byte size; use e.g. 2MB, 512kb or 1048576");
  return static_cast<size_t>(value * scale);
}

}  // namespace acgs::server
