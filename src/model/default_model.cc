#include "model/default_model.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "common/error.h"
#include "model/synth.h"

namespace acgs {

namespace fs = std::filesystem;

fs::path acgs_home() {
  if (const char* home = std::getenv("ACGS_HOME"); home != nullptr && *home != '\0') return home;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return fs::path(xdg) / "acgs-infer";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return fs::path(home) / ".cache" / "acgs-infer";
  fail(ErrorKind::kUnavailable, "cannot place acgs-infer's cache (default model, plans, tree models): set ACGS_HOME (or HOME), or pass --model DIR");
}

namespace {

constexpr const char* kPreset = "base";
constexpr uint64_t kSeed = 0;

bool is_complete(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : {"config.json", "model.safetensors", "vocab.txt", "tokenizer.json"})
    if (!fs::is_regular_file(dir / name, ec)) return false;
  return true;
}

}  // namespace

fs::path ensure_synth_model(const fs::path& models, const std::string& preset, uint64_t seed) {
  const fs::path dir = models / ("synth-" + preset + "-seed" + std::to_string(seed));
  if (is_complete(dir)) return dir;

  std::error_code ec;
  fs::create_directories(models, ec);
  if (ec) fail(ErrorKind::kUnavailable, "cannot create " + models.string() + ": " + ec.message() + "; set ACGS_HOME");
  std::fprintf(stderr, "acgs-infer: first use: synthesizing model %s (seed %llu) into %s\n", preset.c_str(),
               static_cast<unsigned long long>(seed), dir.c_str());
  const fs::path tmp = models / (".tmp-" + dir.filename().string() + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::random_device{}()));
  try {
    synth_model(preset, seed, tmp);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  // An incomplete leftover (interrupted run, deleted file) would block the rename.
  if (fs::exists(dir, ec) && !is_complete(dir)) fs::remove_all(dir, ec);
  fs::rename(tmp, dir, ec);
  if (ec) {
    // Another process finished first (the target is now a non-empty directory): use its copy.
    fs::remove_all(tmp, ec);
    if (!is_complete(dir))
      fail(ErrorKind::kUnavailable, "could not install the synthesized model into " + dir.string() +
                                        "; remove that directory and retry, or pass --model DIR");
  }
  return dir;
}

fs::path default_model_dir() { return ensure_synth_model(acgs_home() / "models", kPreset, kSeed); }

fs::path resolve_model_dir(const std::string& arg) {
  if (arg.empty() || arg == "default") return default_model_dir();
  return arg;
}

}  // namespace acgs
