// Hostile clients against the real server (tiny model, loopback): slow headers, slow and missing bodies,
// a client that never reads, and a connection flood past --max-connections. Each must be bounded by its
// deadline or limit (and counted in /metrics), never take the service down for well-behaved clients, and
// leave the server with the threads and connections it started with.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "server/server_test_util.h"

namespace acgs::test {
namespace {

server::ServerOptions hostile_options() {
  server::ServerOptions o = tiny_options();
  o.header_timeout_s = 1;
  o.body_timeout_s = 1;
  o.body_min_rate = 1000;
  o.send_timeout_s = 1;
  o.keep_alive_timeout_s = 1;
  return o;
}

// A raw loopback connection; closed on destruction.
class Raw {
 public:
  explicit Raw(int port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Raw() { close(fd_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  bool connected() const { return connected_; }
  bool send_text(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
  // Everything until the server closes (or 10 s pass): the server's reply, if any.
  std::string read_to_close() {
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof(buf), 0)) > 0;) all.append(buf, size_t(n));
    return all;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

int thread_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

double metric(TestServer& s, const std::string& sample) {
  const auto m = s.client().Get("/metrics");
  if (!m) return -2;
  const double v = metric_value(m->body, sample);
  if (v < 0) ADD_FAILURE() << sample << " not in the reply (status " << m->status << "): " << m->body.substr(0, 300);
  return v;
}

// /health and /embed from a well-behaved client, each within the client's 2 s timeout.
void expect_service_answers(TestServer& s) {
  httplib::Client c("127.0.0.1", s.port());
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(2, 0);
  const auto health = c.Get("/health");
  ASSERT_TRUE(health) << "no /health reply within 2 s";
  EXPECT_EQ(health->status, 200);
  const auto embed = c.Post("/embed", R"({"inputs":"hello"})", "application/json");
  ASSERT_TRUE(embed) << "no /embed reply within 2 s";
  EXPECT_EQ(embed->status, 200);
}

TEST(ServerHostile, SlowHeadersHoldNothingAndAreCutAtTheirDeadline) {
  TestServer s(hostile_options());
  const int threads = thread_count();
  {
    std::vector<std::unique_ptr<Raw>> slow;
    for (int i = 0; i < 300; ++i) {
      slow.push_back(std::make_unique<Raw>(s.port()));
      ASSERT_TRUE(slow.back()->connected());
      ASSERT_TRUE(slow.back()->send_text("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Le"));
    }
    expect_service_answers(s);
    for (auto& c : slow) c->send_text("n");  // trickling does not extend the header deadline
    for (auto& c : slow) ASSERT_EQ(c->read_to_close(), "") << "a connection past its header deadline is closed";
    EXPECT_EQ(thread_count(), threads) << "connections must not cost threads";
  }
  EXPECT_GE(metric(s, "acgs2_http_timeouts_total{phase=\"headers\"}"), 300);
  expect_service_answers(s);
  for (int i = 0; i < 100 && s.server().open_connections() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(s.server().open_connections(), 0);
  EXPECT_EQ(thread_count(), threads);
}

TEST(ServerHostile, SlowAndMissingBodiesAreCutAtTheirDeadline) {
  TestServer s(hostile_options());
  Raw missing(s.port()), slow(s.port());
  ASSERT_TRUE(missing.send_text("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  ASSERT_TRUE(slow.send_text("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"inputs\":"));
  expect_service_answers(s);
  EXPECT_EQ(missing.read_to_close(), "");
  slow.send_text("\"a");
  EXPECT_EQ(slow.read_to_close(), "");
  EXPECT_GE(metric(s, "acgs2_http_timeouts_total{phase=\"body\"}"), 2);
  expect_service_answers(s);
}

TEST(ServerHostile, AClientThatNeverReadsIsCutAtTheSendDeadline) {
  TestServer s(hostile_options());
  // The baseline after one answered request: threads created on first use are not the attack's.
  expect_service_answers(s);
  const int threads = thread_count();
  {
    Raw greedy(s.port(), 4096);
    // Far more reply bytes than the socket buffers hold, and the client reads none of them.
    std::string requests;
    for (int i = 0; i < 400; ++i) requests += "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(greedy.send_text(requests));
    expect_service_answers(s);
    for (int i = 0; i < 200 && metric(s, "acgs2_http_timeouts_total{phase=\"send\"}") < 1; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(metric(s, "acgs2_http_timeouts_total{phase=\"send\"}"), 1);
  }
  expect_service_answers(s);
  EXPECT_EQ(thread_count(), threads);
}

TEST(ServerHostile, AFloodPastMaxConnectionsGetsAFast503) {
  server::ServerOptions o = hostile_options();
  o.max_connections = 40;
  o.keep_alive_timeout_s = 30;  // the flood stays open until the test closes it
  TestServer s(o);
  std::vector<std::unique_ptr<Raw>> flood;
  for (int i = 0; i < 40; ++i) flood.push_back(std::make_unique<Raw>(s.port()));
  for (int i = 0; i < 200 && s.server().open_connections() < 40; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(s.server().open_connections(), 40);
  for (int i = 0; i < 10; ++i) {
    Raw extra(s.port());
    const std::string reply = extra.read_to_close();
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 503")) << reply;
    EXPECT_NE(reply.find("Retry-After: 1"), std::string::npos) << reply;
    EXPECT_NE(reply.find("--max-connections"), std::string::npos) << reply;
  }
  flood.pop_back();  // one slot for the scrape
  for (int i = 0; i < 200 && s.server().open_connections() >= 40; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto scrape = s.client().Get("/metrics");  // one scrape: the flood leaves a single free slot
  ASSERT_TRUE(scrape);
  ASSERT_EQ(scrape->status, 200) << scrape->body;
  EXPECT_EQ(metric_value(scrape->body, "acgs2_http_connections_rejected_total{reason=\"max_connections\"}"), 10);
  EXPECT_EQ(metric_value(scrape->body, "acgs2_limit{limit=\"max_connections\"}"), 40);
  flood.clear();
  for (int i = 0; i < 200 && s.server().open_connections() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  expect_service_answers(s);
}

TEST(ServerHostile, MalformedAndOversizedRequestsGetTheirStatus) {
  TestServer s(hostile_options());
  Raw garbage(s.port());
  garbage.send_text("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_TRUE(garbage.read_to_close().starts_with("HTTP/1.1 400")) << "malformed request line";
  Raw huge_header(s.port());
  huge_header.send_text("GET /health HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(huge_header.read_to_close().starts_with("HTTP/1.1 431"));
  Raw wrong_method(s.port());
  wrong_method.send_text("GET /embed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string reply = wrong_method.read_to_close();
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 405")) << reply;
  EXPECT_NE(reply.find("Allow: POST"), std::string::npos) << reply;
  EXPECT_GE(metric(s, "acgs2_request_failures_total{endpoint=\"other\",reason=\"validation\"}"), 1);
  EXPECT_GE(metric(s, "acgs2_request_failures_total{endpoint=\"/embed\",reason=\"not_found\"}"), 1);
  expect_service_answers(s);
}

TEST(ServerHostile, LiveAndReadyProbes) {
  TestServer s;
  auto c = s.client();
  const auto live = c.Get("/health/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  const auto ready = c.Get("/health/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(metric(s, "acgs2_ready"), 1);
  s.server().shutdown(std::chrono::seconds(5));
  EXPECT_EQ(metric_value(s.server().metrics().render(), "acgs2_ready"), 0);
}

}  // namespace
}  // namespace acgs::test
