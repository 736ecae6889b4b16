#pragma once
// `--state redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`: where the shared per-agent state lives. HOST is a
// name, an IPv4 address or a bracketed IPv6 address; PORT defaults to 6379 and DB to 0. USER and PASSWORD
// are percent-decoded and sent with AUTH (USER for Redis 6 ACL users; without it, the default user).
// Query options and fragments are not part of the syntax (a URL carrying them is refused rather than
// silently ignored).
#include <string>
#include <string_view>

namespace acgs {

struct RedisUrl {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string username;  // empty: the default user
  std::string password;  // empty: no AUTH

  // Canonical form without the credentials, for messages, logs and /health: redis://127.0.0.1:6379/0.
  std::string to_string() const;
};

// Throws Error(kInvalidArgument) saying what is wrong and what the syntax is.
RedisUrl parse_redis_url(std::string_view url);

}  // namespace acgs
