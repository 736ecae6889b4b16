#pragma once
// The HTTP front of `acgs-infer serve`: the endpoints over the event-driven transport (http_transport.h).
//
// Per request, in order: body size (413, enforced by the transport while it reads), API key (401),
// X-Constitutional-Hash header (403), JSON (400/422), body constitutional_hash (403), then the endpoint's
// own validation. Probes (/health, /health/live, /health/ready) and /metrics need neither key nor hash.
// With --require-constitutional-hash a POST without a hash in header or body is refused with 403. Every
// reply is counted (requests, duration, failures by reason) and written to the access log here.
//
// Lifecycle: start() binds and serves at once (/health and /health/ready say 503 "warming up",
// /health/live 200), warm-up runs in the background; shutdown() stops accepting, lets in-flight requests
// finish within the drain timeout and then drains the batcher.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "profiler/metrics.h"
#include "profiler/service_metrics.h"
#include "server/auth.h"
#include "server/http_transport.h"
#include "server/server_options.h"
#include "server/service.h"

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
  // Blocks until warm-up finished and its thread exited; rethrows its error. Call from start()'s thread.
  void wait_ready();
  // Stops accepting, waits up to drain_timeout for in-flight requests; true when all finished.
  bool shutdown(std::chrono::duration<double> drain_timeout);

  profiler::MetricsRegistry& metrics() { return registry_; }
  Service& service() { return *service_; }
  int open_connections() const { return transport_->open_connections(); }

 private:
  struct Exchange;
  void handle(HttpRequest request, Responder respond);
  void route(const std::shared_ptr<Exchange>& exchange);
  void post(const std::shared_ptr<Exchange>& exchange, void (Service::*handler)(const nlohmann::json&, Service::Done));
  void check_auth(const HttpRequest& request) const;
  void reply(const std::shared_ptr<Exchange>& exchange, HttpReply reply);

  ServerOptions options_;
  ApiKey api_key_;
  profiler::MetricsRegistry registry_;
  profiler::ServiceMetrics metrics_;
  // Declared before service_: the service's batch completions post onto the transport's I/O threads.
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<Service> service_;
  std::thread warmup_;
  std::shared_future<void> warmup_done_;
  std::atomic<bool> draining_{false};
  bool started_ = false;
  int port_ = -1;
};

}  // namespace acgs::server
