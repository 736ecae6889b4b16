#include "common/data_dir.h"

#include <cstdlib>
#include <vector>

#include "common/error.h"

namespace acgs {

std::filesystem::path find_data_file(const std::string& relative) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("ACGS_DATA_DIR"); env != nullptr && *env != '\0') roots.emplace_back(env);
#ifdef ACGS_DATA_DIR
  roots.emplace_back(ACGS_DATA_DIR);
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    roots.push_back(exe.parent_path() / "data");
    roots.push_back(exe.parent_path() / ".." / "share" / "acgs-infer" / "data");
  }
  std::string searched;
  for (const fs::path& root : roots) {
    const fs::path candidate = root / relative;
    if (fs::is_regular_file(candidate, ec)) return candidate;
    searched += (searched.empty() ? "" : ", ") + candidate.string();
  }
  fail(ErrorKind::kUnavailable, "cannot find data file " + relative + " (searched " + searched +
                                    "); set ACGS_DATA_DIR to the repository's data/ folder");
}

}  // namespace acgs
