#pragma once
// SHA-256 (FIPS 180-4) of a byte buffer, used to identify weights files (plans and caches key on it).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace acgs {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  std::array<uint8_t, 32> finish();  // the object must not be updated afterwards
  std::string finish_hex();

 private:
  void compress_blocks(const uint8_t* blocks, size_t count);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lower-case hex digest of `bytes`.
std::string sha256_hex(std::span<const uint8_t> bytes);

}  // namespace acgs
