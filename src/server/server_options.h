#pragma once
// Everything `acgs-infer serve` can be told, with the defaults of the CLI. The defaults follow HF
// text-embeddings-inference where it has the same knob (payload limit, client batch size, batch tokens).
#include <chrono>
#include <cstddef>
#include <string>

namespace acgs::server {

struct ServerOptions {
  std::string model;               // model directory; "" = the default model
  std::string backend;             // "" / "auto" = the engine's fallback chain
  std::string scoring_config;      // scoring config JSON for /v1/score; "" = defaults
  // per-agent scorer state: memory, or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] shared by replicas
  std::string state = "memory";
  std::string host = "127.0.0.1";
  int port = 8080;                 // 0 = any free port
  int threads = 0;                 // engine CPU threads; 0 = physical cores minus http_threads (>= 1)
  int http_threads = 1;            // I/O threads (event loops) serving every connection
  int max_batch_tokens = 16384;
  int max_batch_requests = 256;
  int max_batch_delay_us = 0;     // 0: a free engine takes whatever is queued (continuous batching)
  int max_concurrent_requests = 512;  // admitted embedding requests (queued + running); beyond: 429
  size_t payload_limit = 2'000'000;   // bytes of request body; beyond: 413
  int max_client_batch_size = 32;     // inputs per request; beyond: 413
  bool require_constitutional_hash = false;
  std::string api_key;                // "" = no authentication
  bool auto_truncate = false;         // cut over-long inputs to the model's limit instead of 413
  double drain_timeout_s = 30;
  bool access_log = true;
  // Connection limits (see http_transport.h): open connections, and the deadlines that bound slow clients.
  int max_connections = 16384;
  double keep_alive_timeout_s = 5;    // idle: a new connection's first byte, and between requests
  double header_timeout_s = 10;
  double body_timeout_s = 10;
  double body_min_rate = 10000;       // bytes/s a body must keep up beyond body_timeout_s
  double send_timeout_s = 10;

  // Throws Error(kInvalidArgument) naming the option for values out of range.
  void validate() const;
};

// "2MB", "512kb", "1048576": decimal units (k = 1000), as TEI's --payload-limit. Throws
// Error(kInvalidArgument) on anything else.
size_t parse_byte_size(const std::string& text);

}  // namespace acgs::server
