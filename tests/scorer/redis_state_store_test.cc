// The Redis agent state store against a real redis-server started here: the Lua script gives exactly the
// in-memory store's observations, trims history, expires idle agents, is atomic across "replicas", costs
// one pipelined round trip per batch, reloads itself after NOSCRIPT, times out on a frozen Redis, and the
// failover store scores through an outage and recovers, AUTH works from the URL or the environment and a
// refused password is a startup error that does not echo it. URL parsing needs no server.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <stdlib.h>

#include <atomic>
#include <set>
#include <thread>

#include "redis_test_server.h"
#include "scorer/memory_state_store.h"
#include "scorer/redis/failover_state_store.h"
#include "scorer/redis/redis_state_store.h"
#include "scorer/redis/state_store_factory.h"

namespace acgs {
namespace {

using Clock = std::chrono::steady_clock;

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_server_installed()) GTEST_SKIP() << "redis-server is not installed (scripts/setup.sh installs it)";
    server_ = std::make_unique<test::RedisTestServer>();
  }

  RedisStoreOptions options() const {
    RedisStoreOptions o;
    o.url = server_->url();
    o.timeouts = {std::chrono::milliseconds(200), std::chrono::milliseconds(200)};
    o.retry_initial = std::chrono::milliseconds(20);
    o.retry_max = std::chrono::milliseconds(100);
    return o;
  }
  static StateLimits limits(double ttl = 3600, size_t history = 20) {
    StateLimits l;
    l.idle_ttl_seconds = ttl;
    l.drift_history = history;
    return l;
  }
  long long integer(const RedisConnection::Command& command) const {
    auto c = server_->connect();
    const RedisReply r = c.command(command);
    EXPECT_EQ(r->type, REDIS_REPLY_INTEGER) << redis_error_text(*r);
    return r->integer;
  }
  long long evalsha_calls() const {
    auto c = server_->connect();
    const RedisReply r = c.command({"INFO", "commandstats"});
    const std::string text(r->str, r->len);
    const size_t at = text.find("cmdstat_evalsha:calls=");
    return at == std::string::npos ? 0 : std::stoll(text.substr(at + 22));
  }

  std::unique_ptr<test::RedisTestServer> server_;
};

// Semantic scores with awkward binary expansions, so any loss in the text round trip would show.
std::vector<AgentSample> sequence(size_t n) {
  static const char* agents[] = {"alpha", "beta", "agent with spaces {and} braces"};
  const double values[] = {0.1, 0.5, 0.8, 1.0, 0.123456789012345, 1.0 / 3.0, 0.0, 0.7071067811865476};
  std::vector<AgentSample> out;
  for (size_t i = 0; i < n; ++i) out.push_back({agents[(i * 7 / 5) % 3], values[(i * i + 3 * i) % 8]});
  return out;
}

TEST_F(RedisStore, ObservationsEqualTheMemoryStoreBitForBit) {
  RedisAgentStateStore redis(options(), limits());
  MemoryAgentStateStore memory(limits());
  const auto samples = sequence(300);
  size_t i = 0;
  for (const size_t batch : {1, 7, 32, 1, 100, 159}) {
    const std::span<const AgentSample> part(samples.data() + i, batch);
    const auto got = redis.observe_batch(part);
    ASSERT_EQ(got.size(), batch);
    for (size_t k = 0; k < batch; ++k) {
      const Observation want = memory.observe(part[k].agent_id, part[k].semantic);
      EXPECT_EQ(got[k].earlier_messages, want.earlier_messages) << "message " << i + k;
      EXPECT_EQ(got[k].drift, want.drift) << "message " << i + k;  // exact, not near
    }
    i += batch;
  }
  EXPECT_EQ(i, samples.size());
  EXPECT_EQ(redis.size(), 3u);
}

TEST_F(RedisStore, HistoryIsTrimmedAndIdleAgentsExpire) {
  RedisAgentStateStore store(options(), limits(/*ttl=*/0.5, /*history=*/5));
  for (int i = 0; i < 12; ++i) store.observe("a", 0.5);
  EXPECT_EQ(integer({"LLEN", "acgs:agent:{a}:h"}), 5);
  EXPECT_EQ(integer({"INCRBY", "acgs:agent:{a}:n", "0"}), 12);
  for (const char* key : {"acgs:agent:{a}:n", "acgs:agent:{a}:h"}) {
    const long long ttl = integer({"PTTL", key});
    EXPECT_GT(ttl, 0) << key;
    EXPECT_LE(ttl, 500) << key;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(integer({"EXISTS", "acgs:agent:{a}:n", "acgs:agent:{a}:h"}), 0);
  const Observation fresh = store.observe("a", 0.9);  // idle past the TTL: starts over
  EXPECT_EQ(fresh.earlier_messages, 0u);
  EXPECT_EQ(fresh.drift, 0.0);
}

TEST_F(RedisStore, ZeroTtlNeverExpires) {
  RedisAgentStateStore store(options(), limits(/*ttl=*/0));
  store.observe("a", 0.5);
  EXPECT_EQ(integer({"PTTL", "acgs:agent:{a}:n"}), -1);
  EXPECT_EQ(integer({"PTTL", "acgs:agent:{a}:h"}), -1);
}

TEST_F(RedisStore, ABatchIsOnePipelinedRoundTrip) {
  RedisAgentStateStore store(options(), limits());
  store.observe("warm", 0.1);  // loads the script (its own round trip, once)
  const uint64_t trips = store.round_trips();
  const long long calls = evalsha_calls();
  const auto samples = sequence(32);
  store.observe_batch(samples);
  EXPECT_EQ(store.round_trips() - trips, 1u);
  EXPECT_EQ(evalsha_calls() - calls, 32);  // one script call per message, all in that round trip
  store.observe("warm", 0.1);
  EXPECT_EQ(store.round_trips() - trips, 2u);  // and one per single message
}

TEST_F(RedisStore, ReloadsTheScriptAfterNoscript) {
  RedisAgentStateStore store(options(), limits());
  MemoryAgentStateStore memory(limits());
  const auto samples = sequence(10);
  for (size_t i = 0; i < 5; ++i) store.observe(samples[i].agent_id, samples[i].semantic);
  for (size_t i = 0; i < 5; ++i) memory.observe(samples[i].agent_id, samples[i].semantic);
  {
    auto c = server_->connect();
    ASSERT_EQ(redis_error_text(*c.command({"SCRIPT", "FLUSH"})), "");
  }
  const uint64_t trips = store.round_trips();
  const auto got = store.observe_batch(std::span(samples).subspan(5));
  EXPECT_EQ(store.round_trips() - trips, 2u);  // refused, then SCRIPT LOAD + resend in one more
  for (size_t k = 0; k < got.size(); ++k) {
    const Observation want = memory.observe(samples[5 + k].agent_id, samples[5 + k].semantic);
    EXPECT_EQ(got[k].earlier_messages, want.earlier_messages);
    EXPECT_EQ(got[k].drift, want.drift);
  }
}

// Two stores on one Redis stand for two replicas; 4 threads each hammer one agent. The script is atomic,
// so the message counts handed out are exactly 0..N-1, each once.
TEST_F(RedisStore, ReplicasObservingOneAgentAreSerialized) {
  RedisAgentStateStore replica_a(options(), limits()), replica_b(options(), limits());
  constexpr int kThreads = 8, kEach = 100;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisAgentStateStore& store = t % 2 ? replica_b : replica_a;
      for (int i = 0; i < kEach; ++i) seen[t].push_back(store.observe("flooder", 0.5).earlier_messages);
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kEach});
  EXPECT_EQ(*all.begin(), 0u);
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kEach - 1});
}

TEST_F(RedisStore, AFrozenRedisTimesOutInsteadOfHanging) {
  RedisAgentStateStore store(options(), limits());
  store.observe("a", 0.5);
  server_->pause();
  const auto start = Clock::now();
  EXPECT_THROW(store.observe("a", 0.5), RedisError);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  server_->resume();
  EXPECT_LT(seconds, 1.0);  // the 200 ms command timeout, not forever
}

TEST_F(RedisStore, FailoverScoresThroughAnOutageAndRecovers) {
  size_t counted = 0;
  FailoverStateStore store(std::make_unique<RedisAgentStateStore>(options(), limits()), limits(),
                           [&](size_t n) { counted += n; });
  store.probe();
  EXPECT_FALSE(store.degraded());
  for (int i = 0; i < 3; ++i) store.observe("a", 0.5);

  server_->stop();
  const auto start = Clock::now();
  const Observation local = store.observe("a", 0.5);  // local state: this outage's first message
  EXPECT_EQ(local.earlier_messages, 0u);
  EXPECT_TRUE(store.degraded());
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 1u);  // backoff: straight to local
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 1.0);
  EXPECT_EQ(counted, 2u);
  EXPECT_EQ(store.degraded_observations(), 2u);
  const nlohmann::json health = store.health();
  EXPECT_EQ(health["degraded"], true);
  EXPECT_NE(health["last_error"].get<std::string>().find("Redis at " + server_->url_text()), std::string::npos)
      << health.dump();

  server_->start();  // empty: no persistence in the test server, and the script cache is gone too
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past retry_max
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 0u);       // Redis again (its state restarted)
  EXPECT_FALSE(store.degraded());
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 1u);
  EXPECT_EQ(integer({"INCRBY", "acgs:agent:{a}:n", "0"}), 2);
  EXPECT_EQ(counted, 2u);
}

// Connections Redis closed while idle are noticed before use: a restart between two requests costs a
// reconnect, not a degraded request.
TEST_F(RedisStore, ARestartBetweenRequestsIsNotAnOutage) {
  size_t counted = 0;
  FailoverStateStore store(std::make_unique<RedisAgentStateStore>(options(), limits()), limits(),
                           [&](size_t n) { counted += n; });
  for (int i = 0; i < 3; ++i) store.observe("a", 0.5);
  server_->stop();
  server_->start();
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 0u);  // Redis (restarted empty), not local state
  EXPECT_FALSE(store.degraded()) << store.health().dump();
  EXPECT_EQ(store.degraded_observations(), 0u);
  EXPECT_EQ(counted, 0u);
  EXPECT_EQ(store.observe("a", 0.5).earlier_messages, 1u);
}

TEST_F(RedisStore, UnreachableAtStartIsDegradedNotAnError) {
  const std::string url = server_->url_text();
  server_->stop();
  const StateStore s = make_state_store(url, limits());
  ASSERT_TRUE(s.shared);
  EXPECT_TRUE(s.shared->degraded());
  EXPECT_EQ(s.store->observe("a", 0.5).earlier_messages, 0u);
}

TEST_F(RedisStore, ADatabaseRedisDoesNotHaveIsAStartupError) {
  const RedisUrl url = server_->url();
  try {
    make_state_store("redis://127.0.0.1:" + std::to_string(url.port) + "/99", limits());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("database 99"), std::string::npos) << e.what();
  }
}

TEST(RedisAuth, PasswordFromTheUrlOrTheEnvironment) {
  if (!test::redis_server_installed()) GTEST_SKIP() << "redis-server is not installed (scripts/setup.sh installs it)";
  test::RedisTestServer server("s3cret/pw");
  const std::string host = "127.0.0.1:" + std::to_string(server.url().port);
  const StateLimits limits;

  const StateStore s = make_state_store("redis://:s3cret%2Fpw@" + host, limits);
  EXPECT_FALSE(s.shared->degraded()) << s.shared->health().dump();
  s.store->observe("a", 0.5);
  EXPECT_EQ(s.store->observe("a", 0.5).earlier_messages, 1u);

  try {
    make_state_store("redis://:not-the-password@" + host, limits);
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("refused the credentials"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not-the-password"), std::string::npos) << "echoes the password: " << e.what();
  }

  ::setenv("ACGS_REDIS_PASSWORD", "s3cret/pw", 1);
  const StateStore from_env = make_state_store("redis://" + host, limits);
  ::unsetenv("ACGS_REDIS_PASSWORD");
  EXPECT_FALSE(from_env.shared->degraded()) << from_env.shared->health().dump();
  EXPECT_EQ(from_env.store->observe("a", 0.5).earlier_messages, 2u);
  EXPECT_EQ(from_env.shared->health().dump().find("s3cret"), std::string::npos);
}

TEST(RedisUrl, Parses) {
  RedisUrl u = parse_redis_url("redis://127.0.0.1:6380/2");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 2);
  u = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  u = parse_redis_url("redis://[::1]:7000");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.to_string(), "redis://[::1]:7000/0");
  u = parse_redis_url("redis://app:p%40ss%3Aw0rd@cache:6380/1");
  EXPECT_EQ(u.username, "app");
  EXPECT_EQ(u.password, "p@ss:w0rd");
  EXPECT_EQ(u.to_string(), "redis://cache:6380/1");  // never the credentials
  u = parse_redis_url("redis://:pw@cache");
  EXPECT_EQ(u.username, "");
  EXPECT_EQ(u.password, "pw");
  EXPECT_NO_THROW(check_state_spec("memory"));
  EXPECT_NO_THROW(check_state_spec(""));
}

TEST(RedisUrl, RejectsWithAReason) {
  const std::pair<const char*, const char*> bad[] = {
      {"http://x:1", "not a redis:// URL"},   {"redis://", "no host"},
      {"redis://h:0", "port"},                {"redis://h:99999", "port"},
      {"redis://h:", "empty port"},           {"redis://h:12ab", "port"},
      {"redis://h:1/x", "database"},          {"redis://user@h:1", "credentials"},
      {"redis://:@h", "empty password"},      {"redis://:%4@h", "percent"},
      {"redis://:%zz@h", "percent"},          {"redis://h:1?timeout=5", "query"},
      {"redis://[::1", "IPv6"},               {"memroy", "not a redis:// URL"},
  };
  for (const auto& [url, why] : bad) {
    try {
      check_state_spec(url);
      ADD_FAILURE() << url << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << url << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace acgs
