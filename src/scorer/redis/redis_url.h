#pragma once
// `--state redis://HOST:PORT[/DB]`: where the shared per-agent state lives. HOST is a name, an IPv4 address
// or a bracketed IPv6 address; PORT defaults to 6379 and DB to 0. Credentials and options are not part of
// the syntax (a URL carrying them is refused rather than silently ignored).
#include <string>
#include <string_view>

namespace acgs {

struct RedisUrl {
  std::string host;
  int port = 6379;
  int db = 0;

  std::string to_string() const;  // canonical form, e.g. redis://127.0.0.1:6379/0
};

// Throws Error(kInvalidArgument) saying what is wrong and what the syntax is.
RedisUrl parse_redis_url(std::string_view url);

}  // namespace acgs
