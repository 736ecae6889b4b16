#include "server/http_server.h"

#include <set>

#include "common/error.h"
#include "engine/engine.h"
#include "profiler/process_metrics.h"
#include "server/access_log.h"
#include "server/api_error.h"
#include "server/request_parse.h"
#include "server/trace_context.h"

namespace acgs::server {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
constexpr const char* kJson = "application/json";

const std::set<std::string>& known_paths() {
  static const std::set<std::string> paths = {"/embed",   "/v1/embeddings", "/tokenize",    "/v1/score",
                                              "/v1/status", "/info",        "/health",      "/health/live",
                                              "/health/ready", "/metrics"};
  return paths;
}

const std::vector<std::string>& failure_reasons() {
  static const std::vector<std::string> reasons = {"validation", "too_large", "unauthorized", "forbidden",
                                                   "not_found",  "overloaded", "unavailable",  "inference",
                                                   "internal"};
  return reasons;
}

// The failures counter's reason for an error status; `from_batch`: the engine's batch failed.
std::string failure_reason(int status, bool from_batch) {
  switch (status) {
    case 400:
    case 422: return "validation";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404:
    case 405: return "not_found";
    case 413:
    case 431: return "too_large";
    case 429: return "overloaded";
    case 503: return "unavailable";
    default: return from_batch ? "inference" : "internal";
  }
}

std::string dump(const OrderedJson& j) { return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace); }

HttpReply json_reply(const OrderedJson& body) {
  HttpReply r;
  r.body = dump(body);
  return r;
}

HttpReply error_reply(int status, const std::string& message, const std::string& field = {}) {
  OrderedJson body;
  body["error"] = message;
  body["error_type"] = error_type(status);
  if (!field.empty()) body["field"] = field;
  HttpReply r = json_reply(body);
  r.status = status;
  if (status == 429 || status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return 400;
    case ErrorKind::kUnavailable: return 503;
    default: return 500;
  }
}

HttpReply error_reply(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    return error_reply(e.status(), e.what(), e.field());
  } catch (const Error& e) {
    return error_reply(status_for(e.kind()), e.what());
  } catch (const std::exception& e) {
    return error_reply(500, std::string("internal error: ") + e.what());
  }
}

ServerOptions validated(const ServerOptions& options) {
  options.validate();
  return options;
}

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

TransportLimits transport_limits(const ServerOptions& o) {
  TransportLimits l;
  l.io_threads = o.http_threads;
  l.max_connections = o.max_connections;
  l.idle_timeout = millis(o.keep_alive_timeout_s);
  l.header_timeout = millis(o.header_timeout_s);
  l.body_timeout = millis(o.body_timeout_s);
  l.body_min_rate = o.body_min_rate;
  l.send_timeout = millis(o.send_timeout_s);
  l.payload_limit = o.payload_limit;
  return l;
}

// acgs2_limit{limit}: every limit an operator may want beside the metric it bounds.
void export_limits(profiler::GaugeFamily& limits, const ServerOptions& o) {
  limits.with({"max_connections"}).set(o.max_connections);
  limits.with({"max_concurrent_requests"}).set(o.max_concurrent_requests);
  limits.with({"keep_alive_timeout_seconds"}).set(o.keep_alive_timeout_s);
  limits.with({"header_timeout_seconds"}).set(o.header_timeout_s);
  limits.with({"body_timeout_seconds"}).set(o.body_timeout_s);
  limits.with({"body_min_rate_bytes_per_second"}).set(o.body_min_rate);
  limits.with({"send_timeout_seconds"}).set(o.send_timeout_s);
  limits.with({"payload_limit_bytes"}).set(static_cast<double>(o.payload_limit));
  limits.with({"max_client_batch_size"}).set(o.max_client_batch_size);
  limits.with({"max_batch_tokens"}).set(o.max_batch_tokens);
}

}  // namespace

struct HttpServer::Exchange {
  HttpRequest request;
  Responder respond;
  std::string endpoint;  // a known path, or "other"
  bool batch_failed = false;  // the request was valid and its engine batch failed
};

HttpServer::HttpServer(const ServerOptions& options)
    : options_(validated(options)),
      api_key_(options.api_key),
      metrics_(registry_),
      transport_(std::make_unique<HttpTransport>(
          transport_limits(options_), [this](HttpRequest r, Responder d) { handle(std::move(r), std::move(d)); },
          metrics_)),
      service_(std::make_unique<Service>(options_, registry_,
                                         [this](std::function<void()> fn) { transport_->post(std::move(fn)); })) {
  export_limits(metrics_.limits, options_);
  profiler::register_process_metrics(registry_);
  // Every series a dashboard plots exists before the first request.
  for (const std::string& endpoint : known_paths()) {
    metrics_.request_duration.with({endpoint});
    for (const std::string& reason : failure_reasons()) metrics_.failures.with({endpoint, reason});
  }
}

HttpServer::~HttpServer() {
  if (started_) shutdown(Seconds(options_.drain_timeout_s));
  if (warmup_.joinable()) warmup_.join();
}

void HttpServer::check_auth(const HttpRequest& req) const {
  api_key_.check(std::string(req.header("Authorization")));
  if (req.has_header("X-Constitutional-Hash"))
    check_constitutional_hash(std::string(req.header("X-Constitutional-Hash")), "X-Constitutional-Hash");
}

void HttpServer::handle(HttpRequest request, Responder respond) {
  auto exchange = std::make_shared<Exchange>();
  exchange->endpoint = known_paths().contains(request.path) ? request.path : "other";
  exchange->request = std::move(request);
  exchange->respond = std::move(respond);
  if (exchange->request.refused != 0) {
    HttpReply r = error_reply(exchange->request.refused, exchange->request.refusal);
    r.close = true;
    return reply(exchange, std::move(r));
  }
  try {
    route(exchange);
  } catch (...) {
    reply(exchange, error_reply(std::current_exception()));
  }
}

void HttpServer::route(const std::shared_ptr<Exchange>& x) {
  const HttpRequest& req = x->request;
  const std::string& path = x->endpoint;
  const bool post_endpoint = path == "/embed" || path == "/v1/embeddings" || path == "/tokenize" || path == "/v1/score";
  if (path == "other") return reply(x, error_reply(404, "no such endpoint: " + req.path.substr(0, 256)));
  const char* allowed = post_endpoint ? "POST" : "GET";
  if (req.method != allowed) {
    HttpReply r = error_reply(405, req.method.substr(0, 16) + " is not allowed on " + path + "; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return reply(x, std::move(r));
  }
  if (path == "/embed") return post(x, &Service::embed);
  if (path == "/v1/embeddings") return post(x, &Service::openai_embeddings);
  if (path == "/v1/score") return post(x, &Service::score);
  if (path == "/tokenize") return post(x, nullptr);
  if (path == "/health/live") return reply(x, json_reply({{"status", "live"}}));
  if (path == "/health/ready") {
    const std::string reason = draining_ ? "draining" : service_->not_ready_reason();
    return reply(x, reason.empty() ? json_reply({{"status", "ready"}}) : error_reply(503, reason));
  }
  if (path == "/health") {
    const std::string reason = draining_ ? "draining" : service_->unhealthy_reason();
    // Degraded agent state still answers 200: requests succeed, and every replica shares the one Redis,
    // so a 503 here would take them all out of the load balancer at once.
    return reply(x, reason.empty() ? json_reply(service_->health()) : error_reply(503, reason));
  }
  if (path == "/metrics") {
    HttpReply r;
    r.body = registry_.render();
    r.content_type = profiler::kPrometheusContentType;
    return reply(x, std::move(r));
  }
  check_auth(req);
  reply(x, json_reply(path == "/info" ? service_->info() : service_->status()));
}

void HttpServer::post(const std::shared_ptr<Exchange>& x,
                      void (Service::*handler)(const nlohmann::json&, Service::Done)) {
  const HttpRequest& req = x->request;
  check_auth(req);
  const nlohmann::json body = parse_json_body(req.body);
  const bool body_hash = check_body_hash(body);
  if (options_.require_constitutional_hash && !body_hash && !req.has_header("X-Constitutional-Hash"))
    throw ApiError(403,
                   std::string("this server requires the constitutional hash: send the header "
                               "'X-Constitutional-Hash: ") + kConstitutionalHash + "' or a constitutional_hash field",
                   "constitutional_hash");
  if (handler == nullptr) return reply(x, json_reply(service_->tokenize(body)));
  ((*service_).*handler)(body, [this, x](std::exception_ptr error, OrderedJson result) {
    if (!error) return reply(x, json_reply(result));
    x->batch_failed = true;
    reply(x, error_reply(error));
  });
}

void HttpServer::reply(const std::shared_ptr<Exchange>& x, HttpReply r) {
  const HttpRequest& req = x->request;
  const double seconds = Seconds(Clock::now() - req.started).count();
  metrics_.requests.with({x->endpoint, std::to_string(r.status)}).inc();
  metrics_.request_duration.with({x->endpoint}).observe(seconds);
  if (r.status >= 400) metrics_.failures.with({x->endpoint, failure_reason(r.status, x->batch_failed)}).inc();
  if (options_.access_log) {
    AccessRecord a;
    a.remote = req.remote;
    a.method = req.method.substr(0, 16);
    a.path = req.path.substr(0, 256);
    a.request_id = std::string(req.header("X-Request-Id").substr(0, 128));
    a.trace_id = trace_id_of(req.header("traceparent"));
    a.status = r.status;
    a.duration_ms = seconds * 1000;
    a.bytes_in = req.body.size();
    a.bytes_out = r.body.size();
    write_access_log(a);
  }
  x->respond(std::move(r));
}

int HttpServer::start() {
  port_ = transport_->start(options_.host, options_.port);
  started_ = true;
  std::packaged_task<void()> warm([this] { service_->warm_up(); });
  warmup_done_ = warm.get_future().share();
  warmup_ = std::thread(std::move(warm));
  return port_;
}

void HttpServer::wait_ready() {
  // Joined, not only awaited: a caller counting threads once ready must not see the warm-up's still exiting.
  if (warmup_.joinable()) warmup_.join();
  warmup_done_.get();
}

bool HttpServer::shutdown(std::chrono::duration<double> drain_timeout) {
  if (!started_) return true;
  started_ = false;
  draining_ = true;
  metrics_.ready.set(0);
  const bool drained = transport_->shutdown(drain_timeout);
  if (warmup_.joinable()) warmup_.join();
  // Requests still queued after the timeout are abandoned with the process (serve exits 1).
  if (drained) service_->stop();
  return drained;
}

}  // namespace acgs::server
