// `acgs-infer synth` argument handling: the subcommand in-process, and exit codes through the binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"
#include "model/model_files.h"
#include "model_test_util.h"

namespace acgs {
namespace {

void parse(const std::vector<std::string>& args) {
  CLI::App app;
  app.require_subcommand(1);
  cli::register_synth(app);
  std::vector<const char*> argv = {"acgs-infer"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

TEST(SynthCli, WritesModel) {
  test::TempDir dir;
  parse({"synth", "--preset", "tiny", "--seed", "9", "--out", (dir / "m").string()});
  EXPECT_EQ(load_weights(locate_model(dir / "m")).config.dim, 64);
}

TEST(SynthCli, BadArgumentsAreParseErrors) {
  test::TempDir dir;
  const std::string out = (dir / "m").string();
  EXPECT_THROW(parse({"synth", "--preset", "huge", "--out", out}), CLI::ParseError);
  EXPECT_THROW(parse({"synth", "--preset", "tiny"}), CLI::ParseError);
  EXPECT_THROW(parse({"synth", "--out", out}), CLI::ParseError);
  EXPECT_THROW(parse({"synth", "--preset", "tiny", "--seed", "-1", "--out", out}), CLI::ParseError);
  EXPECT_THROW(parse({"synth", "--preset", "tiny", "--seed", "x", "--out", out}), CLI::ParseError);
  EXPECT_THROW(parse({"synth", "--preset", "tiny", "--out", out, "--bogus"}), CLI::ParseError);
  EXPECT_FALSE(std::filesystem::exists(out));
}

// Exit codes as the user sees them; needs the full build's binary.
TEST(SynthCli, BinaryExitCodes) {
  const char* bin_dir = std::getenv("ACGS_BINARY_DIR");
  const std::filesystem::path bin = std::filesystem::path(bin_dir != nullptr ? bin_dir : ".") / "acgs-infer";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << bin << " not built (component-only build)";
  test::TempDir dir;
  const auto run = [&](const std::string& args) {
    const int status = std::system((bin.string() + " " + args + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run("synth --help"), 0);
  EXPECT_EQ(run("synth --preset huge --out " + (dir / "x").string()), 2);
  EXPECT_EQ(run("synth --preset tiny"), 2);
  EXPECT_EQ(run("synth --preset tiny --seed 1 --out " + (dir / "m").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "m" / "model.safetensors"));
}

}  // namespace
}  // namespace acgs
