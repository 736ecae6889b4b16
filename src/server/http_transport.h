#pragma once
// The event-driven HTTP/1.1 layer of `acgs-infer serve` (Boost.Beast on Boost.Asio): a fixed set of I/O
// threads serves every connection, so an open connection costs a socket and a few hundred bytes, never a
// thread. Slow or idle clients are bounded by deadlines instead of by a thread pool's size:
//
//   idle     a new connection's first byte, and the next request on a keep-alive one (keep-alive timeout)
//   headers  the whole header block, from its first byte
//   body     body_timeout plus one second per body_min_rate bytes received so far (a minimum rate)
//   send     writing one reply (a client that never reads)
//
// A connection that misses a deadline is closed and counted. Past max_connections a new connection gets
// an immediate 503 with Retry-After and is closed, so it never waits silently in the backlog.
//
// The transport knows nothing of endpoints: each complete request goes to the handler with a Responder,
// which may be called from any thread, now or later (the engine's batch completes on its own thread), and
// exactly once. Requests the transport itself refuses (malformed, over the payload or header limit) reach
// the handler too, with `refused` set, so every reply is built, logged and counted in one place.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/http_message.h"

namespace acgs::profiler {
struct ServiceMetrics;
}

namespace acgs::server {

struct TransportLimits {
  int io_threads = 1;
  int max_connections = 16384;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  double body_min_rate = 10000;  // bytes per second the body must keep up beyond body_timeout
  std::chrono::milliseconds send_timeout{10000};
  size_t payload_limit = 2'000'000;
  size_t header_limit = 16384;
};

// Hands a reply to the connection that is waiting for it; callable from any thread, once.
using Responder = std::function<void(HttpReply)>;
using Handler = std::function<void(HttpRequest, Responder)>;

class HttpTransport {
 public:
  // `metrics` receives the connection gauge and the timeout and rejection counters.
  HttpTransport(TransportLimits limits, Handler handler, profiler::ServiceMetrics& metrics);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Binds host:port (0 = any free port), starts the I/O threads; returns the bound port. Throws
  // Error(kUnavailable) when the address cannot be bound, Error(kInvalidArgument) when the process may
  // not open max_connections sockets (raise `ulimit -n` or lower --max-connections).
  int start(const std::string& host, int port);
  // Stops accepting; keep-alive connections close after their reply in progress, idle ones at once.
  // Waits up to `timeout` for every reply in progress; true when all were written. Then stops the I/O
  // threads. Idempotent.
  bool shutdown(std::chrono::duration<double> timeout);

  int open_connections() const;
  // Runs `fn` on an I/O thread (work that must not run on the caller's, e.g. the engine's, thread).
  void post(std::function<void()> fn);

  struct State;  // what the I/O threads share (http_transport.cc)

 private:
  std::unique_ptr<State> state_;  // only owner: handlers hold a reference (http_transport.cc)
};

}  // namespace acgs::server
