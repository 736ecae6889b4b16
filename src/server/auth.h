#pragma once
// API key check for `Authorization: Bearer <key>`. Both sides are hashed (SHA-256) and the digests
// compared without data-dependent branches, so neither the key's bytes nor its length leak through timing.
#include <string>

namespace acgs::server {

class ApiKey {
 public:
  explicit ApiKey(const std::string& key);  // "" = no key required
  bool required() const { return required_; }
  // Throws ApiError(401) unless `authorization` is "Bearer <key>" (scheme case-insensitive).
  void check(const std::string& authorization) const;

 private:
  bool required_;
  std::string digest_;
};

}  // namespace acgs::server
