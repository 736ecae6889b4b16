// `acgs-infer score`: ACGS-2 impact scores for agent-bus messages. JSONL on stdin, one request per line
// ({"message": {…}, "context": {…}} or a bare message); one result per line on stdout, in order:
// {"score", "factors": {…7}, "recommendation", "requires_deliberation"}, or {"error": "line N: …"} for a
// line that cannot be scored (the run goes on). Lines are scored in batches (one model call per batch).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/jsonl_io.h"
#include "common/error.h"
#include "scorer/redis/state_store_factory.h"
#include "scorer/scorer_factory.h"

namespace acgs::cli {
namespace {

using nlohmann::json;

struct ScoreOptions {
  ScorerOptions scorer;
  std::string state_snapshot;
  std::string state = "memory";
  int batch_size = 32;
};

void restore_state(ImpactScorer& scorer, const std::filesystem::path& path) {
  if (path.empty() || !std::filesystem::exists(path)) return;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    scorer.state().restore(json::parse(text.str()));
  } catch (const json::parse_error& e) {
    fail(ErrorKind::kInvalidArgument, "--state-snapshot " + path.string() + " is not valid JSON (" + e.what() +
                                          "); delete it to start with empty agent state");
  } catch (const Error& e) {
    fail(ErrorKind::kInvalidArgument, "--state-snapshot " + path.string() + ": " + e.what());
  }
}

// Written to a temporary file and renamed, so an interrupted run never leaves a truncated snapshot.
void save_state(ImpactScorer& scorer, const std::filesystem::path& path) {
  if (path.empty()) return;
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << scorer.state().snapshot().dump() << '\n';
    if (!out) fail(ErrorKind::kInvalidArgument, "cannot write --state-snapshot " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

class ScoreRun {
 public:
  ScoreRun(ImpactScorer& scorer, int batch_size) : scorer_(scorer), batch_size_(batch_size) {}

  void run() {
    std::vector<std::string> pending;
    for (std::string line; std::getline(std::cin, line);) {
      pending.push_back(std::move(line));
      if (static_cast<int>(pending.size()) == batch_size_) flush(pending);
    }
    flush(pending);
  }

 private:
  void flush(std::vector<std::string>& lines) {
    if (lines.empty()) return;
    std::vector<std::string> out(lines.size());
    std::vector<ScoringMessage> messages;
    std::vector<ScoringContext> contexts;
    std::vector<size_t> rows;  // input line of each parsed request
    for (size_t i = 0; i < lines.size(); ++i) {
      const long n = line_no_ + static_cast<long>(i) + 1;
      try {
        json value;
        try {
          value = json::parse(lines[i]);
        } catch (const json::parse_error& e) {
          fail(ErrorKind::kInvalidArgument, "not valid JSON (error at byte " + std::to_string(e.byte) +
                                                "); expected {\"message\": {…}, \"context\": {…}} or a bare message");
        }
        ScoringRequest request = parse_request(value);
        messages.push_back(std::move(request.message));
        contexts.push_back(std::move(request.context));
        rows.push_back(i);
      } catch (const Error& e) {
        out[i] = line_error_json(e.what(), n);
      }
    }
    score_into(messages, contexts, rows, out);
    for (const std::string& o : out) {
      std::fwrite(o.data(), 1, o.size(), stdout);
      std::fputc('\n', stdout);
    }
    std::fflush(stdout);
    line_no_ += static_cast<long>(lines.size());
    lines.clear();
  }

  // One batch; if the model rejects it (agent state is then untouched), each line alone, so only the
  // offending line reports the error.
  void score_into(const std::vector<ScoringMessage>& messages, const std::vector<ScoringContext>& contexts,
                  const std::vector<size_t>& rows, std::vector<std::string>& out) {
    if (messages.empty()) return;
    try {
      const auto results = scorer_.score_batch(messages, contexts);
      for (size_t k = 0; k < results.size(); ++k) out[rows[k]] = result_line(results[k]);
      return;
    } catch (const Error&) {
      if (messages.size() == 1) throw;
    }
    for (size_t k = 0; k < messages.size(); ++k) {
      try {
        out[rows[k]] = result_line(scorer_.score(messages[k], contexts[k]));
      } catch (const Error& e) {
        out[rows[k]] = line_error_json(e.what(), line_no_ + static_cast<long>(rows[k]) + 1);
      }
    }
  }

  static std::string result_line(const ImpactResult& result) {
    return to_json(result).dump(-1, ' ', false, json::error_handler_t::replace);
  }

  ImpactScorer& scorer_;
  int batch_size_;
  long line_no_ = 0;
};

}  // namespace

void register_score(CLI::App& app) {
  auto opts = std::make_shared<ScoreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "score",
      "ACGS-2 impact scores: JSONL {\"message\": {...}, \"context\": {...}} (or bare message) lines on "
      "stdin, one {\"score\", \"factors\", \"recommendation\", \"requires_deliberation\"} line per input "
      "line on stdout, in order");
  cmd->add_option("--model", opts->scorer.model,
                  "model directory; omitted or \"default\": the embedded default model (heuristics if unusable)");
  cmd->add_option("--backend", opts->scorer.backend,
                  "heuristic (keywords only), auto (the engine's fallback chain: CUDA plan, cpu, reference) "
                  "or a backend name")
      ->capture_default_str();
  cmd->add_option("--config", opts->scorer.config,
                  "scoring config JSON (weights, boosts, thresholds, keywords, "
                  "state limits); defaults to the ACGS-2 v3.1 values");
  cmd->add_option("--state-snapshot", opts->state_snapshot,
                  "per-agent state file: restored at start if it exists, written at the end");
  cmd->add_option("--state", opts->state,
                  "per-agent state: memory, or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] shared with other "
                  "scorers and servers (local state, with a warning, while Redis is unreachable)")
      ->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "lines scored per batch (one model call each)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--threads", opts->scorer.threads, "backend threads (0 = physical cores)")->capture_default_str();
  cmd->callback([opts] {
    check_state_spec(opts->state);
    StateStore state;
    opts->scorer.state = [&](const StateLimits& limits) {
      state = make_state_store(opts->state, limits);
      return state.store;
    };
    std::string note;
    const auto scorer = make_impact_scorer(opts->scorer, &note);
    if (state.shared && !opts->state_snapshot.empty())
      fail(ErrorKind::kInvalidArgument, "--state-snapshot is for the in-memory state; with --state " + opts->state +
                                            " the agent state already lives in Redis");
    if (!note.empty()) std::fprintf(stderr, "acgs-infer score: %s\n", note.c_str());
    restore_state(*scorer, opts->state_snapshot);
    ScoreRun(*scorer, opts->batch_size).run();
    save_state(*scorer, opts->state_snapshot);
    if (state.shared && state.shared->degraded_observations() > 0)
      std::fprintf(stderr, "acgs-infer score: %llu messages were scored with local agent state because Redis was "
                           "unreachable (%s)\n",
                   static_cast<unsigned long long>(state.shared->degraded_observations()),
                   state.shared->health().value("last_error", "").c_str());
  });
}

}  // namespace acgs::cli
