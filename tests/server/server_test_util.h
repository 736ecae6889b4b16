#pragma once
// An in-process server on a free loopback port with the tiny synthetic model, and small HTTP helpers.
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "engine/engine_test_util.h"
#include "server/http_server.h"

namespace acgs::test {

inline server::ServerOptions tiny_options() {
  server::ServerOptions o;
  o.model = tiny_model_dir().string();
  o.backend = "reference";
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 1;
  o.access_log = false;
  return o;
}

class TestServer {
 public:
  explicit TestServer(server::ServerOptions options = tiny_options()) {
    // The server closes a connection whose upload it refused (413) while the client may still be writing:
    // that client must see an error, not die of SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    server_ = std::make_unique<server::HttpServer>(options);
    port_ = server_->start();
    server_->wait_ready();
  }
  ~TestServer() { server_->shutdown(std::chrono::seconds(10)); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  server::HttpServer& server() { return *server_; }
  int port() const { return port_; }

 private:
  std::unique_ptr<server::HttpServer> server_;
  int port_ = 0;
};

inline nlohmann::json json_of(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no HTTP response";
  return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
}

// Value of one sample line of the Prometheus text, e.g. `acgs2_batch_size_bucket{le="1"}`; -1 if absent.
inline double metric_value(const std::string& text, const std::string& sample) {
  const size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

}  // namespace acgs::test
