#pragma once
// Standard base64 (RFC 4648, with padding), for OpenAI's encoding_format "base64": the embedding's
// float32 values as little-endian bytes.
#include <span>
#include <string>

namespace acgs::server {

std::string base64_encode(std::span<const unsigned char> bytes);
// The little-endian bytes of `values`, base64-encoded.
std::string base64_floats(std::span<const float> values);

}  // namespace acgs::server
