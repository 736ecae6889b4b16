// `acgs-infer status` and the backend override through the built binary, the way a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"
#include "engine/engine_test_util.h"

namespace acgs {
namespace {

TEST(StatusCli, PrintsTheChainAsJson) {
  test::ScopedEnv env("ACGS_BACKEND", nullptr);
  test::TempDir tmp;
  const test::CliResult r = test::run_cli("status --model " + test::tiny_model_dir().string(), "", tmp.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["constitutional_hash"], "cdd01ef066bc6cf2");
  EXPECT_EQ(j["active_backend"], "cpu");
  for (int i : {0, 1}) {
    EXPECT_FALSE(j["backends"][i]["available"]);
    EXPECT_FALSE(j["backends"][i]["reason"].get<std::string>().empty());
  }
  for (const char* key : {"plan", "model", "max_seq_length", "threads", "versions"})
    EXPECT_TRUE(j.contains(key)) << key;
}

TEST(StatusCli, ExplicitCudaBackendFailsWithTheReason) {
  test::TempDir tmp;
  const std::string model = test::tiny_model_dir().string();
  for (const char* how : {"env", "flag"}) {
    test::ScopedEnv env("ACGS_BACKEND", std::string(how) == "env" ? "cuda-fp16" : nullptr);
    const std::string flag = std::string(how) == "flag" ? " --backend cuda-fp16" : "";
    const test::CliResult r = test::run_cli("embed --model " + model + flag, "{\"text\": \"hi\"}\n", tmp.path());
    EXPECT_EQ(r.exit_code, 1) << how;
    EXPECT_NE(r.err.find("cuda-fp16 backend unavailable: "), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    const test::CliResult s = test::run_cli("status --model " + model + flag, "", tmp.path());
    EXPECT_EQ(s.exit_code, 1) << how;
    EXPECT_NE(s.err.find("cuda-fp16 backend unavailable: "), std::string::npos) << s.err;
  }
}

}  // namespace
}  // namespace acgs
