// `acgs-infer serve` as a process: it reports its port, answers /health 503 -> 200, and on SIGTERM stops
// accepting, finishes the request in flight and exits 0.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "engine/engine_test_util.h"

extern char** environ;

namespace acgs::test {
namespace {

struct Process {
  pid_t pid = -1;
  FILE* err = nullptr;  // the child's stderr
};

Process spawn_server(const std::vector<std::string>& extra) {
  const std::string exe = std::string(std::getenv("ACGS_BINARY_DIR")) + "/acgs-infer";
  std::vector<std::string> args = {exe, "serve", "--model", tiny_model_dir().string(), "--backend", "reference",
                                   "--port", "0", "--threads", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  Process p;
  EXPECT_EQ(posix_spawn(&p.pid, exe.c_str(), &actions, nullptr, argv.data(), environ), 0) << exe;
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  p.err = fdopen(fds[0], "r");
  return p;
}

// Reads the child's stderr until a line containing `needle`; returns that line ("" at EOF).
std::string read_until(FILE* err, const std::string& needle) {
  char line[4096];
  while (std::fgets(line, sizeof line, err) != nullptr)
    if (std::string(line).find(needle) != std::string::npos) return line;
  return "";
}

TEST(ServeCli, SigtermDrainsInFlightRequestsAndExitsZero) {
  Process p = spawn_server({"--max-batch-delay-us", "1500000", "--drain-timeout", "20"});
  const std::string listening = read_until(p.err, "\"listening\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listening, m, std::regex(R"(:(\d+)\")"))) << listening;
  const int port = std::stoi(m[1]);
  ASSERT_NE(read_until(p.err, "\"ready\""), "");
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  const auto health = c.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // This request waits ~1.5 s in the batcher; SIGTERM arrives while it is in flight.
  std::optional<httplib::Result> in_flight;  // httplib 0.11's Result has no default constructor
  std::thread slow([&] {
    httplib::Client c2("127.0.0.1", port);
    c2.set_read_timeout(30, 0);
    in_flight.emplace(c2.Post("/embed", R"({"inputs":"finish me"})", "application/json"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(p.pid, SIGTERM), 0);
  slow.join();
  ASSERT_TRUE(in_flight && *in_flight);
  EXPECT_EQ((*in_flight)->status, 200);
  EXPECT_NE(read_until(p.err, "\"stopped\""), "");
  int status = 0;
  ASSERT_EQ(waitpid(p.pid, &status, 0), p.pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(p.err);
  httplib::Client after("127.0.0.1", port);
  EXPECT_FALSE(after.Get("/health"));  // nothing listens any more
}

TEST(ServeCli, AccessLogLinesAreJson) {
  Process p = spawn_server({});
  const std::string listening = read_until(p.err, "\"listening\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(listening, m, std::regex(R"(:(\d+)\")"))) << listening;
  ASSERT_NE(read_until(p.err, "\"ready\""), "");
  httplib::Client c("127.0.0.1", std::stoi(m[1]));
  ASSERT_TRUE(c.Post("/embed", {{"X-Request-Id", "abc"}}, R"({"inputs":"secret text"})", "application/json"));
  const std::string line = read_until(p.err, "\"/embed\"");
  const auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_TRUE(j.is_object()) << line;
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["request_id"], "abc");
  EXPECT_TRUE(j["duration_ms"].is_number());
  EXPECT_EQ(line.find("secret"), std::string::npos);  // no bodies in the log
  kill(p.pid, SIGINT);
  int status = 0;
  waitpid(p.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  fclose(p.err);
}

}  // namespace
}  // namespace acgs::test
