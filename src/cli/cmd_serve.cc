// `acgs-infer serve`: the HTTP service (src/server). SIGTERM/SIGINT start a graceful shutdown: stop
// accepting, finish in-flight requests within --drain-timeout, exit 0 (1 when the timeout cut them off).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/error.h"
#include "scorer/redis/state_store_factory.h"
#include "server/http_server.h"

namespace acgs::cli {
namespace {

struct ServeCli {
  server::ServerOptions options;
  std::string payload_limit = "2MB";
};

// Blocks SIGTERM/SIGINT in this thread (and every thread started after it), so they are only ever
// delivered to sigwait() below instead of interrupting a worker.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void serve(ServeCli& cli) {
  server::ServerOptions& o = cli.options;
  o.payload_limit = server::parse_byte_size(cli.payload_limit);
  if (o.api_key.empty())
    if (const char* key = std::getenv("ACGS_API_KEY")) o.api_key = key;
  o.validate();
  check_state_spec(o.state);  // before the model loads, so a typo fails at once
  const sigset_t signals = block_shutdown_signals();
  server::HttpServer http(o);
  const int port = http.start();
  std::fprintf(stderr, "{\"event\":\"listening\",\"url\":\"http://%s:%d\",\"backend\":\"%s\"}\n", o.host.c_str(), port,
               http.service().engine().active_backend().c_str());
  std::fflush(stderr);
  try {
    http.wait_ready();
  } catch (const std::exception&) {
    http.shutdown(std::chrono::seconds(0));
    throw;
  }
  std::fprintf(stderr, "{\"event\":\"ready\"}\n");
  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "{\"event\":\"draining\",\"signal\":\"%s\",\"drain_timeout_s\":%g}\n",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", o.drain_timeout_s);
  const bool drained = http.shutdown(std::chrono::duration<double>(o.drain_timeout_s));
  std::fprintf(stderr, "{\"event\":\"stopped\",\"drained\":%s}\n", drained ? "true" : "false");
  std::fflush(stderr);
  // Requests still running after the drain timeout are abandoned; don't wait for their threads.
  if (!drained) std::_Exit(1);
}

}  // namespace

void register_serve(CLI::App& app) {
  auto cli = std::make_shared<ServeCli>();
  server::ServerOptions& o = cli->options;
  CLI::App* cmd = app.add_subcommand(
      "serve", "HTTP service: TEI/OpenAI-compatible embeddings, tokenize, impact scoring, status and metrics");
  cmd->add_option("--model", o.model, "model directory (default: the built-in default model)");
  cmd->add_option("--backend", o.backend, "backend name, or auto for the fallback chain (default: $ACGS_BACKEND or auto)");
  cmd->add_option("--host", o.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "TCP port (0 = any free port)")->capture_default_str();
  cmd->add_option("--config", o.scoring_config, "scoring config JSON for /v1/score (default: ACGS-2 v3.1 rules)");
  cmd->add_option("--state", o.state,
                  "per-agent scorer state: memory, or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] shared by every "
                  "replica (scoring continues with local state, flagged in /health, while Redis is unreachable)")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads,
                  "engine CPU threads (0 = physical cores minus --http-threads, at least 1: the I/O threads keep a "
                  "core of their own; README \"Latency under load\")")->capture_default_str();
  cmd->add_option("--http-threads", o.http_threads,
                  "I/O threads (event loops) serving every connection; connections never hold a thread")
      ->capture_default_str();
  cmd->add_option("--max-connections", o.max_connections,
                  "open client connections at most; beyond it a new one gets 503 with Retry-After and is closed")
      ->capture_default_str();
  cmd->add_option("--header-timeout", o.header_timeout_s, "seconds a request's headers may take, from their first byte")
      ->capture_default_str();
  cmd->add_option("--body-timeout", o.body_timeout_s,
                  "seconds a request body may take, plus one second per --body-min-rate bytes received")
      ->capture_default_str();
  cmd->add_option("--body-min-rate", o.body_min_rate, "bytes per second a slow body must keep up (with --body-timeout)")
      ->capture_default_str();
  cmd->add_option("--send-timeout", o.send_timeout_s, "seconds writing one reply may take (a client that never reads)")
      ->capture_default_str();
  cmd->add_option("--max-batch-tokens", o.max_batch_tokens, "token budget of one engine batch")->capture_default_str();
  cmd->add_option("--max-batch-requests", o.max_batch_requests, "requests merged into one engine batch at most")
      ->capture_default_str();
  cmd->add_option("--max-batch-delay-us", o.max_batch_delay_us,
                  "how long an idle engine waits for more requests before it runs a batch (0: never; a free engine "
                  "takes whatever is queued)")
      ->capture_default_str();
  cmd->add_option("--max-concurrent-requests", o.max_concurrent_requests,
                  "embedding requests queued or running at once; beyond it 429 with Retry-After")
      ->capture_default_str();
  cmd->add_option("--payload-limit", cli->payload_limit, "largest request body (e.g. 2MB, 512kb); beyond it 413")
      ->capture_default_str();
  cmd->add_option("--max-client-batch-size", o.max_client_batch_size, "inputs per request; beyond it 413")
      ->capture_default_str();
  cmd->add_flag("--require-constitutional-hash", o.require_constitutional_hash,
                "refuse (403) POST requests without X-Constitutional-Hash or a constitutional_hash field");
  cmd->add_option("--api-key", o.api_key, "require 'Authorization: Bearer KEY' (default: $ACGS_API_KEY, else none)");
  cmd->add_option("--drain-timeout", o.drain_timeout_s, "seconds to finish in-flight requests on SIGTERM/SIGINT")
      ->capture_default_str();
  cmd->add_option("--keep-alive-timeout", o.keep_alive_timeout_s,
                  "seconds an idle connection stays open (before its first request and between requests)")
      ->capture_default_str();
  cmd->add_flag("--auto-truncate", o.auto_truncate,
                "cut inputs longer than the model's maximum (from the right, or as the request's "
                "truncation_direction says) instead of refusing them with 413");
  cmd->add_flag("!--no-access-log", o.access_log, "do not write the JSON access log line per request");
  cmd->callback([cli] { serve(*cli); });
}

}  // namespace acgs::cli
