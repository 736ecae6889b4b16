// In-process engine throughput on a file of texts (one per line), the peer bench/load.sh puts beside the
// server's HTTP throughput: the same model, backend, threads and token budget as `serve`, batches of
// --batch texts (tokenization included, as the server tokenizes too), normalized mean pooling, for
// --seconds after one untimed pass. Prints one JSON line: {"texts_per_s", "batches", "texts", "seconds"}.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/engine.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: server_engine_rate MODEL_DIR BACKEND TEXTS_FILE [BATCH=64] [SECONDS=10] [THREADS=0]\n");
    return 2;
  }
  try {
    acgs::EngineOptions options;
    options.backend = argv[2];
    options.threads = argc > 6 ? std::stoi(argv[6]) : 0;
    const int batch = argc > 4 ? std::stoi(argv[4]) : 64;
    const double seconds = argc > 5 ? std::stod(argv[5]) : 10;
    const auto engine = acgs::Engine::open(argv[1], options);
    engine->require_backend();
    std::vector<std::string> texts;
    std::ifstream in(argv[3]);
    for (std::string line; std::getline(in, line);) texts.push_back(line);
    if (texts.empty() || batch < 1) acgs::fail(acgs::ErrorKind::kInvalidArgument, "no texts in " + std::string(argv[3]));
    acgs::EmbedOptions embed;
    embed.normalize = true;
    const auto run_batch = [&](size_t start) {
      std::vector<std::string> chunk;
      for (int i = 0; i < batch; ++i) chunk.push_back(texts[(start + size_t(i)) % texts.size()]);
      engine->embed(chunk, embed);
    };
    for (size_t start = 0; start < texts.size(); start += size_t(batch)) run_batch(start);  // warm-up pass
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    long batches = 0;
    double elapsed = 0;
    for (size_t start = 0; elapsed < seconds; start += size_t(batch), ++batches) {
      run_batch(start);
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    const long done = batches * batch;
    std::printf("{\"texts_per_s\": %.2f, \"batches\": %ld, \"texts\": %ld, \"seconds\": %.3f}\n", done / elapsed, batches,
                done, elapsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "server_engine_rate: %s\n", e.what());
    return 1;
  }
  return 0;
}
