#pragma once
// Running the built acgs-infer binary from a test, the way a user does: arguments, stdin text, then the
// exit code, stdout and stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace acgs::test {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::filesystem::path cli_binary() {
  const char* bin_dir = std::getenv("ACGS_BINARY_DIR");
  return std::filesystem::path(bin_dir != nullptr ? bin_dir : ".") / "acgs-infer";
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is passed through the shell as written; `scratch` is a directory for the stdin/out/err files.
inline CliResult run_cli(const std::string& args, const std::string& stdin_text, const std::filesystem::path& scratch) {
  const std::filesystem::path in = scratch / "stdin.txt", out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::ofstream(in, std::ios::binary | std::ios::trunc) << stdin_text;
  const std::string command = cli_binary().string() + " " + args + " <" + in.string() + " >" + out.string() + " 2>" +
                              err.string();
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

}  // namespace acgs::test
