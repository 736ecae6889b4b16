#pragma once
// SHA-256 block compression: portable C++, and the x86 SHA extensions (several times faster), chosen
// at run time so one binary runs on every x86-64 CPU. `state` is the eight working words H0..H7.
#include <cstddef>
#include <cstdint>

namespace acgs {

void sha256_compress_portable(uint32_t state[8], const uint8_t* data, size_t blocks);

// True if this CPU has SHA-NI (and the SSSE3/SSE4.1 it relies on).
bool sha256_shani_supported();
// Compresses `blocks` 64-byte blocks into `state`; only call when sha256_shani_supported().
void sha256_compress_shani(uint32_t state[8], const uint8_t* data, size_t blocks);

}  // namespace acgs
