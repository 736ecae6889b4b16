#include "server/auth.h"

#include <array>
#include <cstdint>
#include <span>

#include "common/sha256.h"
#include "server/api_error.h"

namespace acgs::server {
namespace {

std::string digest(const std::string& text) {
  Sha256 sha;
  sha.update(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  const std::array<uint8_t, 32> d = sha.finish();
  return std::string(d.begin(), d.end());
}

bool equal_constant_time(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

ApiKey::ApiKey(const std::string& key) : required_(!key.empty()), digest_(digest(key)) {}

void ApiKey::check(const std::string& authorization) const {
  if (!required_) return;
  static constexpr std::string_view kScheme = "bearer ";
  bool scheme = authorization.size() > kScheme.size();
  for (size_t i = 0; scheme && i < kScheme.size(); ++i)
    scheme = (authorization[i] | 0x20) == kScheme[i];
  const std::string presented = scheme ? authorization.substr(kScheme.size()) : std::string();
  if (!equal_constant_time(digest(presented), digest_) || !scheme)
    throw ApiError(401, "missing or wrong API key; send the header 'Authorization: Bearer <key>'", "Authorization");
}

}  // namespace acgs::server
