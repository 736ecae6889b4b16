// Single-thread tokenizer throughput over a JSONL corpus, repeated until at least --seconds have passed.
// Prints one JSON line; bench/tokenizer_compare.sh compares it with HF tokenizers on the same corpus.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tokenizer_bench TOKENIZER_FILE CORPUS_JSONL [SECONDS=2] [MAX_LENGTH=0]\n");
    return 2;
  }
  try {
    const acgs::Tokenizer tok = acgs::Tokenizer::from_file(argv[1]);
    std::vector<std::string> texts;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) {
      texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    }
    const double seconds = argc > 3 ? std::atof(argv[3]) : 2.0;
    const int max_length = argc > 4 ? std::atoi(argv[4]) : 0;

    using Clock = std::chrono::steady_clock;
    size_t encoded = 0, tokens = 0;
    for (const auto& t : texts) tokens += tok.encode(t, max_length).size();  // warm-up
    tokens = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
      for (const auto& t : texts) tokens += tok.encode(t, max_length).size();
      encoded += texts.size();
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    std::printf("{\"impl\": \"acgs\", \"texts\": %zu, \"seconds\": %.3f, \"texts_per_s\": %.1f, \"tokens_per_s\": %.1f}\n",
                encoded, elapsed, encoded / elapsed, tokens / elapsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
