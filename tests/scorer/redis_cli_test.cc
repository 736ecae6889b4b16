// `acgs-infer score|serve --state`: a bad URL is a usage error (exit 2) naming the problem; two `score`
// runs pointed at one Redis share agent state; an unreachable Redis still scores, with a warning.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "redis_test_server.h"
#include "scorer_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;

struct RunResult {
  int exit_code = -1;
  std::vector<std::string> lines;  // stdout
  std::string err;                 // stderr
};

RunResult run(const std::string& args, const std::string& input) {
  const char* dir = std::getenv("ACGS_BINARY_DIR");
  const auto in = test::temp_path("acgs_redis_cli_in.jsonl"), err = test::temp_path("acgs_redis_cli_err.txt");
  std::ofstream(in) << input;
  const std::string cmd = std::string(dir ? dir : ".") + "/acgs-infer " + args + " < " + in.string() + " 2>" +
                          err.string();
  RunResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string line;
  for (int c; (c = std::fgetc(pipe)) != EOF;) {
    if (c != '\n') {
      line += static_cast<char>(c);
    } else {
      r.lines.push_back(line);
      line.clear();
    }
  }
  r.exit_code = WEXITSTATUS(pclose(pipe));
  std::ifstream e(err);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(in);
  std::filesystem::remove(err);
  return r;
}

std::string messages(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += R"({"content": "security audit", "from_agent": "shared"})" "\n";
  return out;
}

TEST(RedisCli, BadStateUrlIsAUsageError) {
  for (const std::string command : {"score --backend heuristic", "serve --port 0"}) {
    const RunResult r = run(command + " --state redis://127.0.0.1:notaport", "");
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("the port must be a number"), std::string::npos) << command << ": " << r.err;
  }
}

TEST(RedisCli, ScoreRunsShareStateThroughRedis) {
  if (!test::redis_server_installed()) GTEST_SKIP() << "redis-server is not installed";
  test::RedisTestServer redis;
  const std::string args = "score --backend heuristic --batch-size 8 --state " + redis.url_text();
  const RunResult first = run(args, messages(20));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(first.lines.size(), 20u);
  EXPECT_EQ(json::parse(first.lines[19])["factors"]["volume"], 0.1);  // 19 earlier
  const RunResult second = run(args, messages(1));  // another process: 20 earlier, from Redis
  ASSERT_EQ(second.lines.size(), 1u);
  EXPECT_EQ(json::parse(second.lines[0])["factors"]["volume"], 0.2);
  EXPECT_EQ(second.err, "");

  const RunResult snapshot = run(args + " --state-snapshot x.json", messages(1));
  EXPECT_EQ(snapshot.exit_code, 2);
  EXPECT_NE(snapshot.err.find("--state-snapshot is for the in-memory state"), std::string::npos) << snapshot.err;
}

TEST(RedisCli, UnreachableRedisStillScoresWithAWarning) {
  const RunResult r = run("score --backend heuristic --state redis://127.0.0.1:" + std::to_string(test::free_port()),
                          messages(3));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_TRUE(json::parse(r.lines[2]).contains("score"));
  EXPECT_NE(r.err.find("3 messages were scored with local agent state because Redis was unreachable"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace acgs
