#pragma once
// Numbers in messages: "1e-12", "0.0069", "1.5e+03" (std::to_string prints 1e-12 as "0.000000").
#include <cstdio>
#include <string>

namespace acgs {

inline std::string short_number(double v, int significant = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

}  // namespace acgs
