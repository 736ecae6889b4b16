#include "scorer/redis/redis_url.h"

#include <charconv>

#include "common/error.h"

namespace acgs {
namespace {

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  fail(ErrorKind::kInvalidArgument, "--state '" + std::string(url) + "': " + why +
                                        "; expected memory or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], e.g. "
                                        "redis://127.0.0.1:6379/0");
}

// A decimal integer in [lo, hi] spanning all of `text`.
bool parse_int(std::string_view text, int lo, int hi, int& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end && out >= lo && out <= hi;
}

// %XX escapes decoded; false on a malformed escape.
bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return false;
    const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || ptr != text.data() + i + 3) return false;
    out += static_cast<char>(value);
    i += 2;
  }
  return true;
}

}  // namespace

std::string RedisUrl::to_string() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "redis://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisUrl parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) bad_url(url, "not a redis:// URL");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos)
    bad_url(url, "query options and fragments are not supported");
  RedisUrl out;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      bad_url(url, "credentials must be USER:PASSWORD@ or :PASSWORD@ (a lone name before '@' is ambiguous)");
    if (!percent_decode(userinfo.substr(0, colon), out.username) ||
        !percent_decode(userinfo.substr(colon + 1), out.password))
      bad_url(url, "malformed percent escape in the credentials (write reserved characters as %XX)");
    if (out.password.empty()) bad_url(url, "empty password before '@'");
    authority = authority.substr(at + 1);
  }
  if (slash != std::string_view::npos && !parse_int(rest.substr(slash + 1), 0, 1 << 20, out.db))
    bad_url(url, "the database after '/' must be a number from 0");
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) bad_url(url, "expected ':PORT' after the [IPv6] host");
    if (!after.empty()) port = after.substr(1);
    if (after == ":") bad_url(url, "empty port");
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) bad_url(url, "empty port");
    }
  }
  if (out.host.empty()) bad_url(url, "no host");
  if (!port.empty() && !parse_int(port, 1, 65535, out.port)) bad_url(url, "the port must be a number in 1..65535");
  return out;
}

}  // namespace acgs
