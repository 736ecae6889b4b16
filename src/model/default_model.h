#pragma once
// The embedded default model: a synthetic `base` model (seed 0) in the user's cache, written on first
// use. Used when --model is omitted or "default".
#include <cstdint>
#include <filesystem>
#include <string>

namespace acgs {

// ${ACGS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/acgs-infer}: the per-user folder for models and plans.
// Throws Error(kUnavailable) when none of those variables is set.
std::filesystem::path acgs_home();

// ${ACGS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/acgs-infer}/models/synth-base-seed0, synthesized there
// if it is not complete yet. Safe when several processes race: each writes a private temporary
// directory and renames it into place; the losers discard theirs.
std::filesystem::path default_model_dir();

// `models`/synth-PRESET-seedSEED, synthesized there (atomically, race-safe as above) unless complete.
std::filesystem::path ensure_synth_model(const std::filesystem::path& models, const std::string& preset, uint64_t seed);

// `arg` as given to --model: empty or "default" means default_model_dir(), anything else is a path.
std::filesystem::path resolve_model_dir(const std::string& arg);

}  // namespace acgs
