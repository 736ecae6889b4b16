#include "server/trace_context.h"

#include <algorithm>

namespace acgs::server {
namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::string trace_id_of(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return "";
  const std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                         flags = h.substr(53, 2);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags))
    return "";
  if (all_zero(trace) || all_zero(parent)) return "";
  // Version 00 has exactly these fields; later versions may append "-..." fields.
  if (version == "00" ? h.size() != 55 : (h.size() > 55 && h[55] != '-')) return "";
  return std::string(trace);
}

}  // namespace acgs::server
