#pragma once
// The HTTP front of `acgs-infer serve` (cpp-httplib 0.11, Debian's libcpp-httplib: a thread pool of
// connection workers with keep-alive; each open connection holds one worker while it is open).
//
// Per request, in order: body size (413, read through a bounded reader so even chunked bodies cannot
// grow past --payload-limit), API key (401), X-Constitutional-Hash header (403), JSON (400/422), body
// constitutional_hash (403), then the endpoint's own validation. /health and /metrics need neither key
// nor hash (probes and scrapers). With --require-constitutional-hash a POST without a hash in header or
// body is refused with 403.
//
// Lifecycle: start() binds and serves at once (/health says 503 "warming up"), warm-up runs in the
// background; shutdown() stops accepting, lets in-flight requests finish within the drain timeout and
// then drains the batcher.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "profiler/metrics.h"
#include "server/auth.h"
#include "server/server_options.h"
#include "server/service.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace acgs::server {

class HttpServer {
 public:
  // Opens the model (throws acgs::Error when it cannot).
  explicit HttpServer(const ServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 = any free port), starts serving and the warm-up; returns the port.
  // Throws Error(kUnavailable) when the address cannot be bound.
  int start();
  int port() const { return port_; }
  // Blocks until warm-up finished; rethrows its error.
  void wait_ready();
  // Stops accepting, waits up to drain_timeout for in-flight requests; true when all finished.
  bool shutdown(std::chrono::duration<double> drain_timeout);

  profiler::MetricsRegistry& metrics() { return registry_; }
  Service& service() { return *service_; }

 private:
  void routes();
  void post(const std::string& path, OrderedJson (Service::*handler)(const nlohmann::json&));
  void check_auth(const httplib::Request& req) const;
  void log(const httplib::Request& req, const httplib::Response& res);

  ServerOptions options_;
  ApiKey api_key_;
  profiler::MetricsRegistry registry_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  std::future<void> listener_done_;
  std::thread warmup_;
  std::shared_future<void> warmup_done_;
  std::atomic<bool> draining_{false};
  int port_ = -1;
};

}  // namespace acgs::server
