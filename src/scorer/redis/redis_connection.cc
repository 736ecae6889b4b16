#include "scorer/redis/redis_connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <mutex>

namespace acgs {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

// hiredis writes with write(2): a Redis that closed the connection would raise SIGPIPE and kill the whole
// process. Ignoring it turns that into EPIPE, a transport error like any other.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

void RedisReplyDeleter::operator()(redisReply* r) const { freeReplyObject(r); }
void RedisContextDeleter::operator()(redisContext* c) const { redisFree(c); }

std::string redis_error_text(const redisReply& reply) {
  return reply.type == REDIS_REPLY_ERROR ? std::string(reply.str, reply.len) : std::string();
}

RedisConnection::RedisConnection(const RedisUrl& url, RedisTimeouts timeouts) : where_(url.to_string()) {
  ignore_sigpipe();
  ctx_.reset(redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(timeouts.connect)));
  if (!ctx_) throw RedisError("Redis at " + where_ + " cannot be reached: out of memory");
  if (ctx_->err) throw RedisError("Redis at " + where_ + " cannot be reached: " + ctx_->errstr);
  if (redisSetTimeout(ctx_.get(), to_timeval(timeouts.command)) != REDIS_OK)
    throw RedisError("cannot set the command timeout on the connection to " + where_);
  if (!url.password.empty()) {
    Command auth{"AUTH"};
    if (!url.username.empty()) auth.push_back(url.username);
    auth.push_back(url.password);
    const RedisReply reply = command(auth);
    if (const std::string err = redis_error_text(*reply); !err.empty()) {
      fail(ErrorKind::kInvalidArgument, "Redis at " + where_ + " refused the credentials in the --state URL (" + err +
                                            "); check the user and password");
    }
  }
  if (url.db != 0) {
    const RedisReply reply = command({"SELECT", std::to_string(url.db)});
    if (const std::string err = redis_error_text(*reply); !err.empty()) {
      fail(ErrorKind::kInvalidArgument, "Redis at " + where_ + " refused database " + std::to_string(url.db) +
                                            " (" + err + "); pick a database it has (see its 'databases' setting)");
    }
  }
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::fail_transport(const std::string& during) {
  broken_ = true;
  const std::string why = ctx_->err ? ctx_->errstr : "connection closed";
  // hiredis reports a receive timeout as a generic I/O error (EAGAIN); say what it was.
  const bool timed_out = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
  throw RedisError("Redis at " + where_ + " failed during " + during + ": " + (timed_out ? "timed out" : why));
}

std::vector<RedisReply> RedisConnection::pipeline(std::span<const Command> commands) {
  if (broken_) throw RedisError("the connection to " + where_ + " is broken");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const Command& c : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& a : c) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK)
      fail_transport("queueing a command");
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  // The first redisGetReply flushes the whole output buffer; the rest only read.
  for (size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(ctx_.get(), &reply) != REDIS_OK || reply == nullptr) fail_transport("a pipelined round trip");
    replies.emplace_back(static_cast<redisReply*>(reply));
  }
  return replies;
}

bool RedisConnection::closed_by_peer() {
  if (broken_) return true;
  pollfd p{ctx_->fd, POLLIN, 0};
  if (::poll(&p, 1, 0) != 0) broken_ = true;  // readable, hung up, error, or poll itself failed
  return broken_;
}

RedisReply RedisConnection::command(const Command& command) {
  return std::move(pipeline({&command, 1}).front());
}

}  // namespace acgs
