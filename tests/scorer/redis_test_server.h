#pragma once
// A private redis-server for a test: its own loopback port and temp directory, no persistence, started
// and stopped (by its pid) by the test. stop()/start() keep the port, so a test can take Redis away and
// bring it back; pause()/resume() freeze it (SIGSTOP) to test timeouts.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "scorer/redis/redis_connection.h"

namespace acgs::test {

// A loopback port nothing listens on right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool redis_server_installed() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

class RedisTestServer {
 public:
  // password: started with --requirepass, and url() carries it.
  explicit RedisTestServer(std::string password = "") : port_(free_port()), password_(std::move(password)) {
    dir_ = std::filesystem::temp_directory_path() / ("acgs_redis_" + std::to_string(::getpid()) + "_" +
                                                     std::to_string(port_));
    std::filesystem::create_directories(dir_);
    start();
  }
  ~RedisTestServer() {
    stop();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    const std::string port = std::to_string(port_), dir = dir_.string(), log = (dir_ / "redis.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", dir.c_str(), "--logfile", log.c_str(), "--daemonize", "no",
               "--requirepass", password_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready once it answers PING; give up after 10 s.
    for (int i = 0; i < 1000; ++i) {
      try {
        RedisConnection c(url(), {});
        if (c.command({"PING"})) return;
      } catch (const Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    FAIL() << "redis-server did not start on port " << port_ << " (see " << log << ")";
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }

  RedisUrl url() const { return RedisUrl{"127.0.0.1", port_, 0, "", password_}; }
  std::string url_text() const { return url().to_string(); }
  // A fresh connection for looking at what the store wrote.
  RedisConnection connect() const { return RedisConnection(url(), {}); }

 private:
  int port_;
  std::string password_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace acgs::test
