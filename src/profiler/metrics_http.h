#pragma once
// A tiny HTTP listener serving GET /metrics from a MetricsRegistry (cpp-httplib), for commands without
// a server of their own (`benchmark_gpu_decision --metrics-port P`). The server's /metrics endpoint
// renders the same registry itself.
#include <memory>
#include <string>
#include <thread>

#include "profiler/metrics.h"

namespace httplib {
class Server;
}

namespace acgs::profiler {

class MetricsHttpServer {
 public:
  // Binds host:port (port 0 picks a free one) and serves in a background thread until destroyed.
  // Throws Error(kUnavailable) when the address cannot be bound, naming it and the likely cause.
  MetricsHttpServer(const MetricsRegistry& registry, const std::string& host, int port);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace acgs::profiler
