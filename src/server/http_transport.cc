#include "server/http_transport.h"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/error.h"
#include "profiler/service_metrics.h"
#include "server/http_parse.h"

namespace acgs::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Descriptors kept free beside the connections: model files, the CUDA plugin, Redis, logs.
constexpr rlim_t kReservedDescriptors = 256;
// An idle connection holds only this much buffer; a typical request arrives in one such read.
constexpr size_t kFirstRead = 1024;
constexpr size_t kKeptBuffer = 65536;
// How long a closing connection keeps reading (and dropping) what its client still sends.
constexpr auto kLinger = std::chrono::seconds(2);

// Lets this process open max_connections sockets, raising the soft descriptor limit when it must.
void reserve_descriptors(int max_connections) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t need = static_cast<rlim_t>(max_connections) + kReservedDescriptors;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < need) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? need : std::min(need, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < need)
    fail(ErrorKind::kInvalidArgument,
         "--max-connections " + std::to_string(max_connections) + " needs " + std::to_string(need) +
             " file descriptors, but this process may open only " + std::to_string(limit.rlim_cur) +
             " (ulimit -n); raise the limit or lower --max-connections");
}

}  // namespace

class HttpConnection;

// Everything the I/O threads share. The io_context is declared after the members a Connection touches
// when it is destroyed, so handlers still queued when the transport goes away are destroyed first.
struct HttpTransport::State {
  State(TransportLimits l, Handler h, profiler::ServiceMetrics& m)
      : limits(l),
        handler(std::move(h)),
        metrics(m),
        connections_open(m.connections_open),
        rejected(m.connections_rejected.with({"max_connections"})),
        timeout_idle(m.timeouts.with({"idle"})),
        timeout_headers(m.timeouts.with({"headers"})),
        timeout_body(m.timeouts.with({"body"})),
        timeout_send(m.timeouts.with({"send"})),
        ioc(l.io_threads),
        acceptor(net::make_strand(ioc)) {}

  void request_started() {
    std::lock_guard lock(mu);
    ++replies_pending;
  }
  void request_finished() {
    {
      std::lock_guard lock(mu);
      --replies_pending;
    }
    cv.notify_all();
  }

  const TransportLimits limits;
  const Handler handler;
  profiler::ServiceMetrics& metrics;
  profiler::Gauge& connections_open;
  profiler::Counter& rejected;
  profiler::Counter& timeout_idle;
  profiler::Counter& timeout_headers;
  profiler::Counter& timeout_body;
  profiler::Counter& timeout_send;

  std::mutex mu;
  std::condition_variable cv;
  int replies_pending = 0;                                             // guarded by mu
  std::unordered_map<HttpConnection*, std::weak_ptr<HttpConnection>> live;     // guarded by mu
  std::atomic<int> open{0};
  std::atomic<bool> draining{false};
  bool stopped = false;  // shutdown() ran; guarded by mu

  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

// One client connection: wait for a request, read its header and body under their deadlines, hand it to
// the handler, write the reply, and again while keep-alive lasts. All of it runs on the connection's strand.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  enum class Phase { kIdle, kHeaders, kBody, kHandling, kSending };

  HttpConnection(tcp::socket socket, HttpTransport::State& state) : stream_(std::move(socket)), state_(state) {}

  ~HttpConnection() {
    {
      std::lock_guard lock(state_.mu);
      state_.live.erase(this);
    }
    state_.connections_open.set(static_cast<double>(--state_.open));
  }

  void start() {
    {
      std::lock_guard lock(state_.mu);
      state_.live.emplace(this, weak_from_this());
    }
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? std::string() : endpoint.address().to_string();
    next_request();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

  // At shutdown: a connection that has no request in the handler's hands closes now.
  void close_unless_busy() {
    if (phase_ != Phase::kHandling && phase_ != Phase::kSending) close();
  }

  void respond(HttpReply reply) {
    net::post(stream_.get_executor(), [self = shared_from_this(), reply = std::move(reply)]() mutable {
      self->write(std::move(reply));
    });
  }

 private:
  void next_request() {
    parser_.emplace();
    configure_parser(*parser_, state_.limits.header_limit, state_.limits.payload_limit);
    if (buffer_.size() == 0 && buffer_.capacity() > kKeptBuffer) buffer_.shrink_to_fit();  // after a large body
    if (buffer_.size() > 0) return read_header(Clock::now());  // the client sent ahead
    phase_ = Phase::kIdle;
    stream_.expires_after(state_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->buffer_.commit(n);
      if (ec) return self->on_error(ec, self->state_.timeout_idle);
      self->read_header(Clock::now());
    });
  }

  void read_header(Clock::time_point first_byte) {
    phase_ = Phase::kHeaders;
    started_ = first_byte;
    stream_.expires_at(first_byte + state_.limits.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_error(ec, self->state_.timeout_headers);
      if (expects_continue(*self->parser_)) return self->send_continue();
      self->body_started_ = Clock::now();
      self->read_body();
    });
  }

  // curl and other clients wait for this before they send a large body.
  void send_continue() {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(state_.limits.send_timeout);
    net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_error(ec, self->state_.timeout_send);
      self->body_started_ = Clock::now();
      self->read_body();
    });
  }

  void read_body() {
    if (parser_->is_done()) return dispatch();
    phase_ = Phase::kBody;
    const double received = static_cast<double>(parser_->get().body().size());
    stream_.expires_at(body_started_ + state_.limits.body_timeout +
                       std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(received / state_.limits.body_min_rate)));
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->on_error(ec, self->state_.timeout_body);
      self->read_body();
    });
  }

  // A read failed: a deadline (counted under its phase), the peer going away, or a request the parser
  // refuses, which still gets its error reply.
  void on_error(beast::error_code ec, profiler::Counter& timeout) {
    if (ec == beast::error::timeout) {
      timeout.inc();
      return close();
    }
    Refusal refusal = refusal_for(ec, state_.limits.header_limit, state_.limits.payload_limit);
    if (refusal.status == 0) return close();  // end of stream, reset, or aborted at shutdown
    hand_over(refused_request(*parser_, std::move(refusal)));
  }

  void dispatch() {
    keep_alive_ = parser_->get().keep_alive();
    hand_over(request_from(*parser_));
  }

  void hand_over(HttpRequest request) {
    phase_ = Phase::kHandling;
    if (request.refused != 0) keep_alive_ = false;
    request.remote = remote_;
    request.started = started_;
    state_.request_started();
    stream_.expires_never();
    auto self = shared_from_this();
    try {
      state_.handler(std::move(request), [self](HttpReply reply) { self->respond(std::move(reply)); });
    } catch (...) {
      HttpReply reply;
      reply.status = 500;
      reply.body = R"({"error":"internal error","error_type":"backend"})";
      respond(std::move(reply));
    }
  }

  void write(HttpReply reply) {
    phase_ = Phase::kSending;
    response_ = {};
    response_.result(static_cast<unsigned>(reply.status));
    response_.version(11);
    response_.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) response_.set(name, value);
    response_.body() = std::move(reply.body);
    response_.keep_alive(keep_alive_ && !reply.close && !state_.draining);
    response_.prepare_payload();
    stream_.expires_after(state_.limits.send_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->state_.request_finished();
      if (ec) return self->on_error(ec, self->state_.timeout_send);
      if (!self->response_.keep_alive()) return self->linger();
      self->next_request();
    });
  }

  // After a reply that ends the connection: stop sending, then read and drop what the client still sends
  // (the rest of a refused body) for a short while, so its TCP stack does not reset the connection before
  // it has read the reply (nginx's lingering close).
  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    stream_.expires_after(kLinger);
    linger_more();
  }
  void linger_more() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(16384), [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) return self->stream_.close();
      self->linger_more();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpTransport::State& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = true;
  std::string remote_;
  Clock::time_point started_{}, body_started_{};
};

namespace {

// Past max_connections: a reply written straight into the new socket's send buffer, then close.
void reject(tcp::socket& socket, int max_connections) {
  const std::string body = R"({"error":"the server has reached its limit of )" + std::to_string(max_connections) +
                           R"( open connections (--max-connections); retry shortly","error_type":"overloaded"})";
  const std::string reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                            "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(net::buffer(reply), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

// Handlers reach the State by reference, never owning it: a handler still queued when the I/O threads stop
// would otherwise keep the State alive, and with it the io_context that holds the handler (a cycle that
// leaks both). The State outlives every handler run: shutdown() joins the I/O threads before it can go.
void accept_next(HttpTransport::State& state);

void on_accept(HttpTransport::State& state, beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !state.acceptor.is_open()) return;
  if (ec == net::error::no_descriptors) {
    // Out of descriptors despite the reserve (another part of the process holds them): back off instead of
    // spinning on the same error.
    auto timer = std::make_shared<net::steady_timer>(state.acceptor.get_executor(), std::chrono::milliseconds(50));
    return timer->async_wait([&state, timer](beast::error_code) { accept_next(state); });
  }
  if (!ec) {
    if (state.draining) {
      socket.close(ec);
    } else if (state.open.load() >= state.limits.max_connections) {
      state.rejected.inc();
      reject(socket, state.limits.max_connections);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      state.connections_open.set(static_cast<double>(++state.open));
      std::make_shared<HttpConnection>(std::move(socket), state)->start();
    }
  }
  accept_next(state);
}

void accept_next(HttpTransport::State& state) {
  // Each accepted socket gets its own strand, so its handlers never run concurrently on two I/O threads.
  state.acceptor.async_accept(net::make_strand(state.ioc), [&state](beast::error_code ec, tcp::socket socket) {
    on_accept(state, ec, std::move(socket));
  });
}

}  // namespace

HttpTransport::HttpTransport(TransportLimits limits, Handler handler, profiler::ServiceMetrics& metrics)
    : state_(std::make_unique<State>(limits, std::move(handler), metrics)) {}

HttpTransport::~HttpTransport() { shutdown(std::chrono::seconds(0)); }

int HttpTransport::start(const std::string& host, int port) {
  reserve_descriptors(state_->limits.max_connections);
  beast::error_code ec;
  tcp::resolver resolver(state_->ioc);
  const auto endpoints = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  tcp::acceptor& acceptor = state_->acceptor;
  for (const auto& entry : endpoints) {
    ec = {};
    acceptor.open(entry.endpoint().protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(entry.endpoint(), ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) break;
    beast::error_code ignored;
    acceptor.close(ignored);
  }
  if (ec || !acceptor.is_open())
    fail(ErrorKind::kUnavailable, "cannot listen on " + host + ":" + std::to_string(port) + " (" +
                                      (ec ? ec.message() : "address not found") +
                                      "); pick another --host/--port");
  const int bound = acceptor.local_endpoint().port();
  state_->work.emplace(state_->ioc.get_executor());
  accept_next(*state_);
  for (int i = 0; i < state_->limits.io_threads; ++i) state_->threads.emplace_back([s = state_.get()] { s->ioc.run(); });
  return bound;
}

bool HttpTransport::shutdown(std::chrono::duration<double> timeout) {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    if (s.stopped) return s.replies_pending == 0;
    s.stopped = true;
  }
  s.draining = true;
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<HttpConnection>> live;
  {
    std::lock_guard lock(s.mu);
    for (const auto& [raw, weak] : s.live)
      if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) net::post(c->executor(), [c] { c->close_unless_busy(); });
  live.clear();
  bool drained;
  {
    std::unique_lock lock(s.mu);
    drained = s.cv.wait_for(lock, timeout, [&] { return s.replies_pending == 0; });
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  return drained;
}

int HttpTransport::open_connections() const { return state_->open.load(); }

void HttpTransport::post(std::function<void()> fn) { net::post(state_->ioc, std::move(fn)); }

}  // namespace acgs::server
