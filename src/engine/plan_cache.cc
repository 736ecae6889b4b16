#include "engine/plan_cache.h"

#include <cctype>

#include "model/default_model.h"

namespace acgs {

namespace fs = std::filesystem;

fs::path plan_cache_dir() { return acgs_home() / "plans"; }

std::string plan_file_name(const std::string& model_sha256, const std::string& gpu_name,
                           const std::string& precision) {
  std::string gpu;
  for (char c : gpu_name) gpu += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return model_sha256.substr(0, 16) + "-" + (gpu.empty() ? "gpu" : gpu) + "-" + precision + ".plan";
}

fs::path find_plan(const fs::path& model_dir, const std::string& model_sha256, const std::string& gpu_name,
                   const std::string& precision) {
  const std::string name = plan_file_name(model_sha256, gpu_name, precision);
  std::error_code ec;
  if (fs::is_regular_file(model_dir / name, ec)) return model_dir / name;
  return plan_cache_dir() / name;
}

}  // namespace acgs
