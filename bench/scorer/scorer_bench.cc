// Impact-scorer throughput: messages scored per second at each batch size, with the model (one
// score_batch call = one embed call per batch) and in heuristic mode on the same messages for scale.
//
//   scorer_bench [--model DIR] [--backend auto|cpu|reference|…] [--batch-sizes 1,32] [--seconds 5]
//                [--threads N]
//
// Prints one JSON object per (mode, batch size) line: messages, seconds, messages_per_second, and the
// process CPU seconds they took (the honest figure on a machine shared with other jobs).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/error.h"
#include "scorer/scorer_factory.h"

namespace {

using acgs::ImpactScorer;
using acgs::ScoringContext;
using acgs::ScoringMessage;

// Bus traffic shaped like the ACGS-2 samples: short alerts to paragraph-length reports, 64 agents.
std::vector<ScoringMessage> workload(size_t n) {
  const char* texts[] = {
      "CRITICAL: security breach detected on node-7, attacker exfiltrating credentials",
      "Governance policy violation reported for agent planner-3",
      "Unauthorized transfer of 50000 USDC to external wallet",
      "Quarterly compliance check: audit of data-retention rules",
      "Latency anomaly on inference pool: p99 at 480 ms, investigating abnormal GC pauses on two hosts "
      "after the last deployment; rollback is being evaluated by the on-call agent",
      "Health check OK: all services responding",
      "Update display name and avatar for user 1182",
      "Refresh embedding cache for tenant acme after the nightly index rebuild completed with 3 warnings"};
  const char* tools[] = {"execute_isolation", "read_records", "submit_transaction", "get_metrics"};
  std::vector<ScoringMessage> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].content = texts[i % 8];
    out[i].payload_message = "sequence " + std::to_string(i);
    out[i].from_agent = "agent-" + std::to_string(i % 64);
    out[i].tools = {tools[i % 4]};
    out[i].priority = i % 5 == 0 ? "high" : "normal";
  }
  return out;
}

struct Rate {
  size_t messages;
  double seconds;
  double cpu_seconds;  // process CPU time: on a shared machine, the work done independent of contention
};

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Scores batches of `batch` until `seconds` have passed (at least two batches), after one warm-up batch.
Rate measure(ImpactScorer& scorer, const std::vector<ScoringMessage>& pool, size_t batch, double seconds) {
  const std::vector<ScoringContext> contexts(batch);
  size_t cursor = 0;
  auto next = [&] {
    std::vector<ScoringMessage> b(batch);
    for (auto& m : b) m = pool[cursor++ % pool.size()];
    return b;
  };
  scorer.score_batch(next(), contexts);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  size_t done = 0;
  double elapsed = 0;
  for (int batches = 0; batches < 2 || elapsed < seconds; ++batches) {
    const auto b = next();
    scorer.score_batch(b, contexts);
    done += batch;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return {done, elapsed, process_cpu_seconds() - cpu_start};
}

std::vector<size_t> parse_sizes(const char* text) {
  std::vector<size_t> sizes;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const long v = std::strtol(p, &end, 10);
    if (end == p || v < 1) acgs::fail(acgs::ErrorKind::kInvalidArgument, "--batch-sizes wants e.g. 1,32");
    sizes.push_back(static_cast<size_t>(v));
    p = *end == ',' ? end + 1 : end;
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  acgs::ScorerOptions options;
  std::vector<size_t> sizes = {1, 32};
  double seconds = 5;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
      if (!value) acgs::fail(acgs::ErrorKind::kInvalidArgument, arg + " needs a value");
      if (arg == "--model")
        options.model = value;
      else if (arg == "--backend")
        options.backend = value;
      else if (arg == "--batch-sizes")
        sizes = parse_sizes(value);
      else if (arg == "--seconds")
        seconds = std::atof(value);
      else if (arg == "--threads")
        options.threads = std::atoi(value);
      else
        acgs::fail(acgs::ErrorKind::kInvalidArgument, "unknown option " + arg);
      ++i;
    }
    const auto pool = workload(1024);
    std::string note;
    auto model = acgs::make_impact_scorer(options, &note);
    if (!note.empty()) std::fprintf(stderr, "scorer_bench: %s\n", note.c_str());
    acgs::ScorerOptions heuristic_options = options;
    heuristic_options.backend = "heuristic";
    auto heuristic = acgs::make_impact_scorer(heuristic_options);
    for (ImpactScorer* scorer : {model.get(), heuristic.get()}) {
      for (size_t batch : sizes) {
        const Rate r = measure(*scorer, pool, batch, scorer->uses_model() ? seconds : 1.0);
        std::printf(
            "{\"mode\": \"%s\", \"batch\": %zu, \"messages\": %zu, \"seconds\": %.3f, "
            "\"messages_per_second\": %.1f, \"cpu_seconds\": %.3f}\n",
            scorer->mode().c_str(), batch, r.messages, r.seconds, r.messages / r.seconds, r.cpu_seconds);
        std::fflush(stdout);
      }
    }
  } catch (const acgs::Error& e) {
    std::fprintf(stderr, "scorer_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
