#pragma once
// Where the engine looks for, and caches, CUDA engine plans. A plan is only valid for one model file and
// one GPU model, so both are in its file name:
//   <model sha256, first 16 hex digits>-<GPU name, sanitized>-<precision>.plan
// looked up beside the model first (a plan shipped with it), then in the cache folder
// ${ACGS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/acgs-infer}/plans/, where newly built plans are written.
#include <filesystem>
#include <string>

namespace acgs {

std::filesystem::path plan_cache_dir();
std::string plan_file_name(const std::string& model_sha256, const std::string& gpu_name,
                           const std::string& precision);
// The plan beside the model when that file exists, else the cache folder's path (which may not exist).
std::filesystem::path find_plan(const std::filesystem::path& model_dir, const std::string& model_sha256,
                                const std::string& gpu_name, const std::string& precision);

}  // namespace acgs
