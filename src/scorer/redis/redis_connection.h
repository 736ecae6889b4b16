#pragma once
// One blocking hiredis connection with a timeout on every call: connect, and each read or write of a
// command (SO_RCVTIMEO/SO_SNDTIMEO), so a dead or hung Redis costs at most the timeout, never a hang.
// Not thread-safe: one thread uses a connection at a time (RedisAgentStateStore keeps a pool).
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "scorer/redis/redis_url.h"

struct redisContext;
struct redisReply;

namespace acgs {

// Redis cannot be reached or answered at the transport level (refused, reset, timed out). Error replies
// from Redis itself are not thrown; they come back as replies.
class RedisError : public Error {
 public:
  explicit RedisError(const std::string& message) : Error(ErrorKind::kUnavailable, message) {}
};

struct RedisTimeouts {
  std::chrono::milliseconds connect{250};
  std::chrono::milliseconds command{250};
};

struct RedisReplyDeleter {
  void operator()(redisReply* r) const;
};
struct RedisContextDeleter {
  void operator()(redisContext* c) const;
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  using Command = std::vector<std::string>;  // arguments, binary-safe

  // Connects and SELECTs url.db; throws RedisError (unreachable) or Error(kInvalidArgument) (e.g. a
  // database number this Redis does not have).
  RedisConnection(const RedisUrl& url, RedisTimeouts timeouts);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Writes every command, then reads one reply per command: a single round trip however many there are.
  // A transport failure throws RedisError and leaves the connection broken() for good.
  std::vector<RedisReply> pipeline(std::span<const Command> commands);
  RedisReply command(const Command& command);

  bool broken() const { return broken_; }

  // An idle connection (no reply outstanding) that has something to read was closed by Redis (restart,
  // `timeout`, CLIENT KILL): anything it could read is the end of the stream. Checked without blocking
  // before reuse, so a request is never sent into a dead socket; marks the connection broken.
  bool closed_by_peer();

 private:
  [[noreturn]] void fail_transport(const std::string& during);

  std::string where_;  // the URL, for messages
  std::unique_ptr<redisContext, RedisContextDeleter> ctx_;
  bool broken_ = false;
};

// "ERR ..." / "NOSCRIPT ..." text of an error reply, "" for any other reply.
std::string redis_error_text(const redisReply& reply);

}  // namespace acgs
