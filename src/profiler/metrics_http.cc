#include "profiler/metrics_http.h"

#include <httplib.h>

#include <chrono>

#include "common/error.h"

namespace acgs::profiler {

MetricsHttpServer::MetricsHttpServer(const MetricsRegistry& registry, const std::string& host, int port)
    : server_(std::make_unique<httplib::Server>()) {
  if (port < 0 || port > 65535) {
    fail(ErrorKind::kInvalidArgument, "--metrics-port " + std::to_string(port) + " is not a TCP port (0..65535)");
  }
  // httplib's default also sets SO_REUSEPORT, which would let a second process share the port silently;
  // SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry.render(), kPrometheusContentType);
  });
  port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    fail(ErrorKind::kUnavailable, "metrics listener: cannot bind " + host + ":" + std::to_string(port) +
                                      " (port in use or not permitted); pick another --metrics-port");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it: a destructor racing ahead would hang.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

MetricsHttpServer::~MetricsHttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace acgs::profiler
