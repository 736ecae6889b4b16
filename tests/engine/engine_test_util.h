#pragma once
// A tiny synthetic model in a temp directory, shared by the engine tests, and environment helpers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "model/model_test_util.h"
#include "model/synth.h"

namespace acgs::test {

// One tiny model per test binary (seed 7), written on first use and deleted at exit.
inline const std::filesystem::path& tiny_model_dir() {
  static const TempDir tmp;
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d = tmp / "tiny";
    synth_model("tiny", 7, d);
    return d;
  }();
  return dir;
}

// Sets (or, with nullptr, unsets) an environment variable for the scope, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value != nullptr) ::setenv(name, value, 1); else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_.c_str(), old_.c_str(), 1); else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace acgs::test
