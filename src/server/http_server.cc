#include "server/http_server.h"

#include <httplib.h>

#include <set>

#include "common/error.h"
#include "engine/engine.h"
#include "server/access_log.h"
#include "server/api_error.h"
#include "server/request_parse.h"

namespace acgs::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kJson = "application/json";

// Start of the request this worker thread is serving: set when routing begins (headers read), read by
// the logger on the same thread once the response is written. httplib serves a connection on one thread.
thread_local Clock::time_point t_request_start{};

const std::set<std::string>& known_paths() {
  static const std::set<std::string> paths = {"/embed", "/v1/embeddings", "/tokenize", "/v1/score",
                                              "/v1/status", "/info", "/health", "/metrics"};
  return paths;
}

std::string dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

void set_error(httplib::Response& res, int status, const std::string& message, const std::string& field = {}) {
  OrderedJson body;
  body["error"] = message;
  body["error_type"] = error_type(status);
  if (!field.empty()) body["field"] = field;
  res.status = status;
  if (status == 429) res.set_header("Retry-After", "1");
  res.set_content(dump(body), kJson);
}

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return 400;
    case ErrorKind::kUnavailable: return 503;
    default: return 500;
  }
}

// Runs `fn` (which returns the reply body) and maps every failure to a JSON error reply.
template <class F>
void respond(httplib::Response& res, F fn) {
  try {
    res.set_content(dump(fn()), kJson);
    res.status = 200;
  } catch (const ApiError& e) {
    set_error(res, e.status(), e.what(), e.field());
  } catch (const Error& e) {
    set_error(res, status_for(e.kind()), e.what());
  } catch (const std::exception& e) {
    set_error(res, 500, std::string("internal error: ") + e.what());
  }
}

// The body, at most `limit` bytes: chunked bodies are cut off here, Content-Length ones by httplib.
std::string read_body(const httplib::ContentReader& reader, httplib::Response& res, size_t limit) {
  std::string body;
  bool too_large = false;
  const bool ok = reader([&](const char* data, size_t n) {
    if (body.size() + n > limit) return !(too_large = true);
    body.append(data, n);
    return true;
  });
  if (too_large || res.status == 413) {
    res.set_header("Connection", "close");  // the rest of the body was not read
    throw ApiError(413, "request body is larger than the server's limit of " + std::to_string(limit) +
                            " bytes (--payload-limit); send fewer or shorter inputs");
  }
  if (!ok) {
    res.set_header("Connection", "close");
    throw ApiError(400, "could not read the request body (truncated or malformed chunked encoding)");
  }
  return body;
}

// httplib listens with a backlog of 5 (compiled into Debian's library); a burst of new connections beyond it
// waits for SYN retransmits (1 s, 3 s, ...). Calling listen() again on the bound socket raises the backlog.
class WideBacklogServer final : public httplib::Server {
 public:
  void widen_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

ServerOptions validated(const ServerOptions& options) {
  options.validate();
  return options;
}

}  // namespace

HttpServer::HttpServer(const ServerOptions& options)
    : options_(validated(options)),
      api_key_(options.api_key),
      service_(std::make_unique<Service>(options, registry_)),
      http_(std::make_unique<WideBacklogServer>()) {
  routes();
}

HttpServer::~HttpServer() {
  if (listener_.joinable()) shutdown(std::chrono::duration<double>(options_.drain_timeout_s));
  if (warmup_.joinable()) warmup_.join();
}

void HttpServer::check_auth(const httplib::Request& req) const {
  api_key_.check(req.get_header_value("Authorization"));
  if (req.has_header("X-Constitutional-Hash"))
    check_constitutional_hash(req.get_header_value("X-Constitutional-Hash"), "X-Constitutional-Hash");
}

void HttpServer::post(const std::string& path, OrderedJson (Service::*handler)(const nlohmann::json&)) {
  http_->Post(path, [this, handler](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    respond(res, [&] {
      const std::string text = read_body(reader, res, options_.payload_limit);
      check_auth(req);
      const nlohmann::json body = parse_json_body(text);
      const bool body_hash = check_body_hash(body);
      if (options_.require_constitutional_hash && !body_hash && !req.has_header("X-Constitutional-Hash"))
        throw ApiError(403,
                       std::string("this server requires the constitutional hash: send the header "
                                   "'X-Constitutional-Hash: ") + kConstitutionalHash + "' or a constitutional_hash field",
                       "constitutional_hash");
      return ((*service_).*handler)(body);
    });
  });
}

void HttpServer::routes() {
  post("/embed", &Service::embed);
  post("/v1/embeddings", &Service::openai_embeddings);
  post("/tokenize", &Service::tokenize);
  post("/v1/score", &Service::score);
  http_->Get("/v1/status", [this](const httplib::Request& req, httplib::Response& res) {
    respond(res, [&] {
      check_auth(req);
      return service_->status();
    });
  });
  http_->Get("/info", [this](const httplib::Request& req, httplib::Response& res) {
    respond(res, [&] {
      check_auth(req);
      return service_->info();
    });
  });
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const std::string reason = draining_ ? "draining" : service_->unhealthy_reason();
    if (reason.empty()) {
      // Degraded agent state still answers 200: requests succeed, and every replica shares the one Redis,
      // so a 503 here would take them all out of the load balancer at once.
      res.set_content(dump(service_->health()), kJson);
    } else {
      set_error(res, 503, reason);
    }
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry_.render(), profiler::kPrometheusContentType);
  });
  http_->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = Clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Replies httplib makes itself (404, 413 on Content-Length, 400 on a bad request line) get a JSON body too.
  http_->set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    set_error(res, res.status, res.status == 404   ? "no such endpoint"
                               : res.status == 413 ? "request body is larger than --payload-limit"
                                                   : "malformed HTTP request");
    return httplib::Server::HandlerResponse::Handled;
  }));
  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) { log(req, res); });
}

void HttpServer::log(const httplib::Request& req, const httplib::Response& res) {
  const double seconds = t_request_start == Clock::time_point{}
                             ? 0.0
                             : std::chrono::duration<double>(Clock::now() - t_request_start).count();
  t_request_start = {};
  const std::string endpoint = known_paths().contains(req.path) ? req.path : "other";
  const profiler::ServiceMetrics& m = service_->metrics();
  m.requests.with({endpoint, std::to_string(res.status)}).inc();
  m.request_duration.with({endpoint}).observe(seconds);
  if (!options_.access_log) return;
  AccessRecord r;
  r.remote = req.remote_addr;
  r.method = req.method;
  r.path = req.path.substr(0, 256);
  r.request_id = req.get_header_value("X-Request-Id").substr(0, 128);
  r.status = res.status;
  r.duration_ms = seconds * 1000;
  r.bytes_in = req.body.size();
  r.bytes_out = res.body.size();
  write_access_log(r);
}

int HttpServer::start() {
  http_->new_task_queue = [n = options_.http_threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  http_->set_keep_alive_max_count(100000);
  http_->set_keep_alive_timeout(options_.keep_alive_timeout_s);
  http_->set_payload_max_length(options_.payload_limit);
  // httplib writes a reply's headers and body with two send() calls: with Nagle on, the body waits for the
  // client's delayed ACK of the headers (40 ms on Linux) on every keep-alive request-response. Accepted
  // sockets inherit TCP_NODELAY from the listening one.
  http_->set_tcp_nodelay(true);
  // httplib's default socket options add SO_REUSEPORT, which would let a second server share the port.
  http_->set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  port_ = options_.port == 0 ? http_->bind_to_any_port(options_.host)
                             : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ <= 0)
    fail(ErrorKind::kUnavailable, "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                                      " (port in use, or not an address of this machine); pick another --host/--port");
  static_cast<WideBacklogServer&>(*http_).widen_backlog();
  std::packaged_task<void()> listen([this] { http_->listen_after_bind(); });
  listener_done_ = listen.get_future();
  listener_ = std::thread(std::move(listen));
  // stop() is a no-op until the accept loop runs; wait for it so an early shutdown cannot hang.
  while (!http_->is_running() && listener_done_.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
  }
  std::packaged_task<void()> warm([this] { service_->warm_up(); });
  warmup_done_ = warm.get_future().share();
  warmup_ = std::thread(std::move(warm));
  return port_;
}

void HttpServer::wait_ready() { warmup_done_.get(); }

bool HttpServer::shutdown(std::chrono::duration<double> drain_timeout) {
  draining_ = true;
  http_->stop();
  const bool drained = listener_done_.wait_for(drain_timeout) == std::future_status::ready;
  if (drained) {
    listener_.join();
    if (warmup_.joinable()) warmup_.join();
    service_->stop();
  } else {
    listener_.detach();  // workers still hold connections; the process is about to exit
  }
  return drained;
}

}  // namespace acgs::server
