// The in-process peers of bench/slo.sh, on the very bodies the load generator sends to /v1/score: each
// body's message goes through the scorer's own text selection (normalized_text), then the engine embeds
// those texts (same model, backend and threads as `serve`, mean pooling, L2-normalized):
//   batch-1 latency: one text per call, cycling over the messages, p50/p99 over --samples calls;
//   saturated rate: batches of --batch texts back to back for --seconds.
// usage: server_slo_peer MODEL_DIR BACKEND BODIES_FILE [SAMPLES=300] [BATCH=32] [SECONDS=5] [GAP_MS=0]
//   GAP_MS > 0 sleeps that long before each batch-1 call (the idle gaps of a low request rate);
//   PEER_THREADS=N in the environment sets the engine threads (default: physical cores).
// Prints one JSON line: {"batch1_p50_ms", "batch1_p99_ms", "saturated_msgs_per_s", "mean_tokens"}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "engine/engine.h"
#include "scorer/factors.h"
#include "scorer/message.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: server_slo_peer MODEL_DIR BACKEND BODIES_FILE [SAMPLES=300] [BATCH=32] [SECONDS=5] [GAP_MS=0]\n");
    return 2;
  }
  try {
    acgs::EngineOptions options;
    options.backend = argv[2];
    if (const char* t = std::getenv("PEER_THREADS")) options.threads = std::atoi(t);
    const int samples = argc > 4 ? std::stoi(argv[4]) : 300;
    const int batch = argc > 5 ? std::stoi(argv[5]) : 32;
    const double seconds = argc > 6 ? std::stod(argv[6]) : 5;
    const double gap_ms = argc > 7 ? std::stod(argv[7]) : 0;
    const auto engine = acgs::Engine::open(argv[1], options);
    engine->require_backend();
    std::vector<std::string> texts;
    std::ifstream in(argv[3]);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      texts.push_back(acgs::normalized_text(acgs::parse_message(nlohmann::json::parse(line).at("message"))));
    }
    if (texts.empty() || samples < 1 || batch < 1)
      acgs::fail(acgs::ErrorKind::kInvalidArgument, "no messages in " + std::string(argv[3]));
    acgs::EmbedOptions embed;
    embed.normalize = true;
    double tokens = 0;
    for (const std::string& t : texts) tokens += static_cast<double>(engine->tokenizer().encode(t, 128).size());
    using Clock = std::chrono::steady_clock;
    for (size_t i = 0; i < texts.size(); ++i) engine->embed(std::span(&texts[i], 1), embed);  // warm-up
    std::vector<double> ms;
    for (int i = 0; i < samples; ++i) {
      if (gap_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(gap_ms));
      const auto t0 = Clock::now();
      engine->embed(std::span(&texts[size_t(i) % texts.size()], 1), embed);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const auto pct = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p / 100 * double(ms.size())))]; };
    long done = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    for (size_t start = 0; elapsed < seconds; start += size_t(batch)) {
      std::vector<std::string> chunk;
      for (int i = 0; i < batch; ++i) chunk.push_back(texts[(start + size_t(i)) % texts.size()]);
      engine->embed(chunk, embed);
      done += batch;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    std::printf("{\"batch1_p50_ms\": %.3f, \"batch1_p99_ms\": %.3f, \"saturated_msgs_per_s\": %.1f, \"mean_tokens\": %.1f}\n",
                pct(50), pct(99), double(done) / elapsed, tokens / double(texts.size()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "server_slo_peer: %s\n", e.what());
    return 1;
  }
  return 0;
}
