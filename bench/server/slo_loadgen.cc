// Open-loop HTTP/1.1 load generator for the service-level objective (bench/slo.sh drives it).
//
// Arrivals follow a Poisson process at --rate; each request's latency is counted from its *scheduled*
// send time, so a slow server cannot slow the arrivals down and hide its own queueing (coordinated
// omission). Requests go out over a pool of keep-alive connections: a due request takes an idle
// connection, opens a new one while fewer than --connections are open, or waits for one (still on the
// clock). One thread, one epoll set and a timerfd for the schedule, so the generator costs little on a
// 2-core machine where the server runs beside it.
//
// usage: slo_loadgen --port P --rate R --seconds S --path /v1/score --bodies FILE [--host 127.0.0.1]
//                    [--connections 64] [--warmup 1] [--timeout-ms 5000] [--seed 1] [--method POST]
// FILE holds one request body per line (used round-robin); without --bodies the requests are GETs.
// Prints one JSON object: offered and achieved rate, requests, errors by kind, latency percentiles (ms).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  double rate = 100;
  double seconds = 10;
  double warmup = 1;
  std::string path = "/v1/score";
  std::string method;
  std::string bodies_file;
  int connections = 64;
  int timeout_ms = 5000;
  unsigned seed = 1;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "slo_loadgen: %s\nusage: slo_loadgen --port P --rate R --seconds S [--path /v1/score] "
                       "[--bodies FILE] [--host 127.0.0.1] [--connections 64] [--warmup 1] [--timeout-ms 5000] "
                       "[--seed 1] [--method POST|GET]\n", why.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value for " + flag);
    const std::string v = argv[++i];
    try {
      if (flag == "--host") o.host = v;
      else if (flag == "--port") o.port = std::stoi(v);
      else if (flag == "--rate") o.rate = std::stod(v);
      else if (flag == "--seconds") o.seconds = std::stod(v);
      else if (flag == "--warmup") o.warmup = std::stod(v);
      else if (flag == "--path") o.path = v;
      else if (flag == "--method") o.method = v;
      else if (flag == "--bodies") o.bodies_file = v;
      else if (flag == "--connections") o.connections = std::stoi(v);
      else if (flag == "--timeout-ms") o.timeout_ms = std::stoi(v);
      else if (flag == "--seed") o.seed = static_cast<unsigned>(std::stoul(v));
      else usage("unknown flag " + flag);
    } catch (const std::logic_error&) {
      usage("bad value '" + v + "' for " + flag);
    }
  }
  if (o.port <= 0 || o.port > 65535) usage("--port is required (1..65535)");
  if (!(o.rate > 0) || !(o.seconds > 0) || o.warmup < 0) usage("--rate and --seconds must be > 0, --warmup >= 0");
  if (o.connections < 1 || o.timeout_ms < 1) usage("--connections and --timeout-ms must be >= 1");
  if (o.method.empty()) o.method = o.bodies_file.empty() ? "GET" : "POST";
  return o;
}

// Whole HTTP requests, one per body line (or one GET), ready to write.
std::vector<std::string> build_requests(const Options& o) {
  std::vector<std::string> bodies;
  if (!o.bodies_file.empty()) {
    std::ifstream in(o.bodies_file);
    if (!in) usage("cannot read --bodies " + o.bodies_file);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) bodies.push_back(line);
    if (bodies.empty()) usage("--bodies " + o.bodies_file + " has no lines");
  } else {
    bodies.emplace_back();
  }
  std::vector<std::string> requests;
  for (const std::string& body : bodies) {
    std::string r = o.method + " " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\n";
    if (o.method != "GET") r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    r += "\r\n" + body;
    requests.push_back(std::move(r));
  }
  return requests;
}

struct Connection {
  int fd = -1;
  bool connected = false;
  bool busy = false;
  std::string out;
  size_t written = 0;
  std::string in;
  Clock::time_point scheduled;  // of the request in flight
  bool measured = false;
  bool dead = false;  // closed; freed after the current batch of events, which may still name it
};

// Length of a complete response at the start of `buf` (0 while incomplete); -1 when it cannot be framed
// (no Content-Length: our server and nginx always send one for these endpoints). `status` gets the code.
long response_length(const std::string& buf, int& status) {
  const size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  if (buf.compare(0, 5, "HTTP/") != 0 || buf.size() < 12) return -1;
  status = std::atoi(buf.c_str() + 9);
  std::string headers = buf.substr(0, end);
  std::transform(headers.begin(), headers.end(), headers.begin(), [](unsigned char c) { return std::tolower(c); });
  const size_t cl = headers.find("\r\ncontent-length:");
  if (cl == std::string::npos) return -1;
  const long body = std::atol(headers.c_str() + cl + 17);
  const long total = static_cast<long>(end) + 4 + body;
  return static_cast<long>(buf.size()) >= total ? total : 0;
}

class LoadGen {
 public:
  explicit LoadGen(Options o) : o_(std::move(o)), requests_(build_requests(o_)), rng_(o_.seed) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_ < 0 || timer_ < 0) throw std::runtime_error("epoll/timerfd: " + std::string(std::strerror(errno)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the timer
    epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &ev);
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(static_cast<uint16_t>(o_.port));
    if (inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) != 1) usage("--host must be an IPv4 address");
  }

  void run() {
    const Clock::time_point start = Clock::now();
    measure_from_ = start + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(o_.warmup));
    stop_sending_ = measure_from_ + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(o_.seconds));
    next_ = start;
    arm(next_);
    const Clock::time_point hard_stop = stop_sending_ + std::chrono::milliseconds(o_.timeout_ms + 1000);
    epoll_event events[256];
    while (Clock::now() < hard_stop && (next_ < stop_sending_ || in_flight() > 0)) {
      const int n = epoll_wait(epoll_, events, 256, 100);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.ptr == nullptr) {
          uint64_t expirations;
          while (read(timer_, &expirations, sizeof(expirations)) > 0) {
          }
          continue;
        }
        Connection& c = *static_cast<Connection*>(events[i].data.ptr);
        if (!c.dead) on_event(c, events[i].events);
      }
      schedule_due();
      expire(Clock::now());
      std::erase_if(conns_, [](const auto& c) { return c->dead; });
    }
    expire(Clock::time_point::max());  // whatever is still out never answered
    report(std::chrono::duration<double>(stop_sending_ - measure_from_).count());
  }

 private:
  int in_flight() const {
    int n = static_cast<int>(waiting_.size());
    for (const auto& c : conns_) n += !c->dead && c->busy ? 1 : 0;
    return n;
  }

  void arm(Clock::time_point at) {
    itimerspec spec{};
    const auto ns = std::chrono::duration_cast<Nanos>(at.time_since_epoch()).count();
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  // Every arrival whose time has come joins the waiting line; idle connections take from it.
  void schedule_due() {
    const Clock::time_point now = Clock::now();
    std::exponential_distribution<double> gap(o_.rate);
    while (next_ <= now && next_ < stop_sending_) {
      waiting_.push_back(next_);
      next_ += std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(gap(rng_)));
    }
    dispatch();
    if (next_ < stop_sending_) arm(next_);
  }

  void dispatch() {
    while (!waiting_.empty()) {
      Connection* c = idle_connection();
      if (c == nullptr) return;
      const Clock::time_point scheduled = waiting_.front();
      waiting_.pop_front();
      c->busy = true;
      c->scheduled = scheduled;
      c->measured = scheduled >= measure_from_;
      c->out = requests_[sent_++ % requests_.size()];
      c->written = 0;
      c->in.clear();
      if (c->connected) flush(*c);
    }
  }

  Connection* idle_connection() {
    int open = 0;
    for (auto& c : conns_) {
      if (c->dead) continue;
      if (!c->busy) return c.get();
      ++open;
    }
    if (open >= o_.connections) return nullptr;
    auto c = std::make_unique<Connection>();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof(addr_)) != 0 && errno != EINPROGRESS) {
      ++errors_["connect"];
      close(c->fd);
      return nullptr;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.ptr = c.get();
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev);
    conns_.push_back(std::move(c));
    peak_connections_ = std::max(peak_connections_, static_cast<size_t>(open + 1));
    return conns_.back().get();
  }

  void flush(Connection& c) {
    while (c.written < c.out.size()) {
      const ssize_t n = send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) c.written += static_cast<size_t>(n);
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      else return fail(c, "write");
    }
  }

  void on_event(Connection& c, uint32_t events) {
    if (!c.connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(c, "connect");
      c.connected = true;
    }
    if (c.busy && c.written < c.out.size()) flush(c);
    if (c.dead) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      char buf[65536];
      for (;;) {
        const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
        if (n > 0) {
          c.in.append(buf, static_cast<size_t>(n));
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        // The peer closed: a request in flight without its whole response failed; an idle one just ends.
        if (c.busy && response_done(c)) return drop(c);
        return c.busy ? fail(c, "closed") : drop(c);
      }
      if (c.busy) response_done(c);
    }
  }

  // Completes the request when its response is in; true if it was.
  bool response_done(Connection& c) {
    int status = 0;
    const long len = response_length(c.in, status);
    if (len == 0) return false;
    if (len < 0) {
      fail(c, "unframed_response");
      return true;
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.scheduled).count();
    if (c.measured) {
      if (status >= 200 && status < 300) latencies_.push_back(ms);
      else ++errors_["status_" + std::to_string(status)];
    }
    c.busy = false;
    c.in.erase(0, static_cast<size_t>(len));
    dispatch();
    return true;
  }

  void fail(Connection& c, const char* kind) {
    if (c.busy && c.measured) ++errors_[kind];
    c.busy = false;
    drop(c);
  }

  void drop(Connection& c) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.dead = true;
    c.busy = false;
    dispatch();
  }

  // Requests older than the timeout count as errors (their connection is closed).
  void expire(Clock::time_point now) {
    const auto timeout = std::chrono::milliseconds(o_.timeout_ms);
    for (size_t i = 0; i < conns_.size(); ++i) {
      Connection& c = *conns_[i];
      if (!c.dead && c.busy && (now == Clock::time_point::max() || now - c.scheduled > timeout)) fail(c, "timeout");
    }
    while (!waiting_.empty() && (now == Clock::time_point::max() || now - waiting_.front() > timeout)) {
      if (waiting_.front() >= measure_from_) ++errors_["timeout"];
      waiting_.pop_front();
    }
  }

  void report(double seconds) {
    std::sort(latencies_.begin(), latencies_.end());
    const auto pct = [&](double p) {
      if (latencies_.empty()) return std::nan("");
      const size_t i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(latencies_.size()))) - 1;
      return latencies_[std::min(i, latencies_.size() - 1)];
    };
    long errors = 0;
    std::string kinds;
    for (const auto& [kind, n] : errors_) {
      errors += n;
      kinds += (kinds.empty() ? "" : ", ") + ("\"" + kind + "\": " + std::to_string(n));
    }
    const double done = static_cast<double>(latencies_.size());
    // JSON has no NaN: percentiles of no successful request are null.
    const auto ms = [](double v) { return std::isnan(v) ? std::string("null") : std::to_string(v); };
    std::printf("{\"offered_rps\": %.1f, \"achieved_rps\": %.1f, \"ok\": %zu, \"errors\": %ld, \"error_kinds\": {%s}, "
                "\"p50_ms\": %s, \"p90_ms\": %s, \"p99_ms\": %s, \"p999_ms\": %s, \"max_ms\": %s, "
                "\"connections\": %zu}\n",
                o_.rate, done / seconds, latencies_.size(), errors, kinds.c_str(), ms(pct(50)).c_str(),
                ms(pct(90)).c_str(), ms(pct(99)).c_str(), ms(pct(99.9)).c_str(),
                ms(latencies_.empty() ? std::nan("") : latencies_.back()).c_str(), peak_connections_);
  }

  Options o_;
  std::vector<std::string> requests_;
  std::mt19937_64 rng_;
  int epoll_ = -1;
  int timer_ = -1;
  sockaddr_in addr_{};
  std::vector<std::unique_ptr<Connection>> conns_;
  std::deque<Clock::time_point> waiting_;
  Clock::time_point next_, measure_from_, stop_sending_;
  size_t sent_ = 0;
  size_t peak_connections_ = 0;
  std::vector<double> latencies_;
  std::map<std::string, long> errors_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    LoadGen(parse(argc, argv)).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slo_loadgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
