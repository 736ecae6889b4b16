// `acgs-infer benchmark_gpu_decision`: the ACGS-2 seed's GPU-decision benchmark on this machine. Runs the
// impact scorer and the two tree models on random sample messages, profiles each model under its own
// name, and prints the decision matrix; exits 1 when it recommends evaluating a GPU (the seed's contract,
// so a CI job or script can branch on it), 0 when the CPU suffices.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "aux_models/aux_models.h"
#include "cli/command.h"
#include "common/error.h"
#include "profiler/gpu_decision.h"
#include "profiler/metrics.h"
#include "profiler/metrics_http.h"
#include "profiler/model_profiler.h"
#include "scorer/message.h"
#include "scorer/scorer_factory.h"

namespace acgs::cli {
namespace {

using profiler::ModelProfiler;

struct GpuDecisionCliOptions {
  profiler::GpuDecisionOptions run;
  ScorerOptions scorer;
  std::string output;
  bool no_save = false;
  int metrics_port = -1;
  std::string metrics_host = "127.0.0.1";
  std::string anomaly_model, compliance_model;
  size_t window = 1000;
};

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string default_output_name() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "gpu_benchmark_results_%Y%m%d_%H%M%S.json", &tm);
  return buf;
}

// A tty gets one line rewritten in place; a log gets a line per quarter of each pass.
void print_progress(const char* phase, int done, int total) {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (tty) {
    std::fprintf(stderr, "\r  %-10s %6d/%d%s", phase, done, total, done == total ? "\n" : "");
  } else if (done == total || (total >= 4 && done % (total / 4) == 0)) {
    std::fprintf(stderr, "  %s: %d/%d\n", phase, done, total);
  }
  std::fflush(stderr);
}

aux::TreeClassifier open_tree(const aux::AuxModelSpec& spec, const std::string& user_file) {
  aux::AuxModelOptions options;
  if (!user_file.empty()) options.model_file = user_file;
  aux::TreeClassifier model = aux::TreeClassifier::open(spec, options);
  std::fprintf(stderr, "  %s: %s %s\n", spec.name.c_str(), model.trained_now() ? "trained and cached at" : "loaded",
               model.source().c_str());
  return model;
}

// One message through the three models, each call tracked under its own name.
profiler::Workload make_workload(ModelProfiler& prof, ImpactScorer& scorer, const aux::TreeClassifier& anomaly,
                                 const aux::TreeClassifier& compliance) {
  auto* scorer_model = &prof.model("impact_scorer");
  auto* anomaly_model = &prof.model(anomaly.name());
  auto* compliance_model = &prof.model(compliance.name());
  return [=, &prof, &scorer, &anomaly, &compliance](const profiler::BenchMessage& m) {
    const ScoringMessage message = parse_message(*m.message);
    ScoringContext context;
    context.agent_id = m.agent_id;
    ImpactResult result;
    {
      auto scope = prof.track(*scorer_model);
      result = scorer.score(message, context);
    }
    const ImpactFactors& f = result.factors;
    const aux::MessageFeatures features =
        aux::make_features({f.semantic, f.permission, f.volume, f.context, f.drift, f.priority, f.type},
                           message_text(message).size(), message.tools.size(), message.payload_amount.value_or(0.0));
    {
      auto scope = prof.track(*anomaly_model);
      anomaly.predict(features);
    }
    {
      auto scope = prof.track(*compliance_model);
      compliance.predict(features);
    }
  };
}

// With a GPU backend, the same scorer on the CPU backend gives the baseline for the measured speedup.
void measure_cpu_baseline(ModelProfiler& prof, const GpuDecisionCliOptions& o, const ImpactScorer& scorer) {
  if (scorer.mode().rfind("cuda", 0) != 0) return;
  ScorerOptions cpu = o.scorer;
  cpu.backend = "cpu";
  const auto cpu_scorer = make_impact_scorer(cpu);
  ModelProfiler baseline;
  profiler::MessageGenerator gen(o.run.seed + 1);
  const int n = std::max(10, o.run.samples / 4);
  for (int i = 0; i < n + o.run.warmup; ++i) {
    if (i == o.run.warmup) baseline.reset();
    const auto m = gen.next();
    ScoringContext context;
    context.agent_id = m.agent_id;
    auto scope = baseline.track("impact_scorer");
    cpu_scorer->score(parse_message(*m.message), context);
  }
  prof.set_cpu_baseline("impact_scorer", baseline.metrics("impact_scorer")->latency_mean_ms);
}

// Runs everything and returns the recommendation; every resource is released before the caller exits.
bool run(const GpuDecisionCliOptions& o) {
  profiler::MetricsRegistry registry;
  ModelProfiler prof({.max_samples_per_model = o.window, .metrics = &registry});
  std::unique_ptr<profiler::MetricsHttpServer> listener;
  if (o.metrics_port >= 0) {
    listener = std::make_unique<profiler::MetricsHttpServer>(registry, o.metrics_host, o.metrics_port);
    std::fprintf(stderr, "Prometheus metrics: http://%s:%d/metrics\n", o.metrics_host.c_str(), listener->port());
  }
  std::fprintf(stderr, "Loading models...\n");
  std::string note;
  const auto scorer = make_impact_scorer(o.scorer, &note);
  if (!note.empty()) std::fprintf(stderr, "  impact_scorer: %s\n", note.c_str());
  std::fprintf(stderr, "  impact_scorer: %s\n", scorer->mode().c_str());
  const aux::TreeClassifier anomaly = open_tree(aux::anomaly_detector_spec(), o.anomaly_model);
  const aux::TreeClassifier compliance = open_tree(aux::compliance_classifier_spec(), o.compliance_model);
  // Same family as the server's (service_metrics.h); precision and device are not known through the
  // scorer, and an empty label value means "absent" to Prometheus.
  registry.info("acgs2_backend_info", "Active inference backend (value is always 1)", {"backend", "precision", "device"})
      .set({scorer->mode(), "", ""});
  measure_cpu_baseline(prof, o, *scorer);

  const nlohmann::json info = {
      {"constitutional_hash", "cdd01ef066bc6cf2"},
      {"backend", scorer->mode()},
      {"scorer_mode", scorer->uses_model() ? "model" : "heuristic"},
      {"model", o.scorer.model.empty() ? "default" : o.scorer.model},
      {"anomaly_detector_model", anomaly.source().string()},
      {"compliance_classifier_model", compliance.source().string()},
      {"hardware", {{"cpu", cpu_model_name()}, {"logical_cores", std::max(1u, std::thread::hardware_concurrency())}}}};
  const nlohmann::json results =
      profiler::run_gpu_decision(prof, make_workload(prof, *scorer, anomaly, compliance), o.run, info);

  std::printf("%s\n%s", prof.report().c_str(), profiler::format_summary(results).c_str());
  if (!o.no_save) {
    const std::string path = o.output.empty() ? default_output_name() : o.output;
    std::ofstream out(path);
    out << results.dump(2) << "\n";
    if (!out.good()) {
      fail(ErrorKind::kUnavailable, "cannot write " + path + "; pass --output to a writable path or --no-save");
    }
    std::fprintf(stderr, "Results saved to: %s\n", path.c_str());
  }
  return profiler::recommends_gpu(results);
}

}  // namespace

void register_benchmark_gpu_decision(CLI::App& app) {
  auto opts = std::make_shared<GpuDecisionCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "benchmark_gpu_decision",
      "GPU-vs-CPU decision for the impact scorer, anomaly detector and compliance classifier: profiles each "
      "on random sample messages (sequential and concurrent passes) and prints the decision matrix");
  cmd->footer(
      "Exit status: 1 when the recommendation is EVALUATE_GPU (some model is compute-bound), 0 for KEEP_CPU,\n"
      "2 for usage errors. The JSON result (schemas/benchmark_gpu_decision.schema.json) is written to --output,\n"
      "default ./gpu_benchmark_results_<date>_<time>.json, unless --no-save.");
  cmd->add_option("-n,--samples", opts->run.samples, "messages per pass")->check(CLI::Range(1, 10'000'000))->capture_default_str();
  cmd->add_option("-c,--concurrency", opts->run.concurrency, "threads in the concurrent pass")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("-w,--warmup", opts->run.warmup, "warm-up messages before the profiler reset")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "JSON result file");
  cmd->add_flag("--no-save", opts->no_save, "do not write the JSON result file");
  cmd->add_option("--model", opts->scorer.model,
                  "scorer model directory; omitted or \"default\": the embedded default model");
  cmd->add_option("--backend", opts->scorer.backend,
                  "scorer backend: heuristic (keywords only), auto, or a backend name (cpu, cuda-fp16, ...)")
      ->capture_default_str();
  cmd->add_option("--config", opts->scorer.config, "scoring config JSON file");
  cmd->add_option("--threads", opts->scorer.threads, "backend threads (0 = physical cores)")->capture_default_str();
  cmd->add_option("--anomaly-model", opts->anomaly_model,
                  "XGBoost model file for the anomaly detector (default: trained at first use and cached)");
  cmd->add_option("--compliance-model", opts->compliance_model,
                  "XGBoost model file for the compliance classifier (default: trained at first use and cached)");
  cmd->add_option("--metrics-port", opts->metrics_port,
                  "serve Prometheus /metrics on this port during the run (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--metrics-host", opts->metrics_host, "address for --metrics-port")->capture_default_str();
  cmd->add_option("--seed", opts->run.seed, "message/agent choice seed")->capture_default_str();
  cmd->add_option("--window", opts->window, "samples kept per model (the aggregation window)")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->callback([opts] {
    opts->run.progress = print_progress;
    const bool evaluate_gpu = run(*opts);
    if (evaluate_gpu) {
      // The seed's contract: exit 1 signals "evaluate a GPU". Everything above is already released.
      std::fflush(stdout);
      std::exit(1);
    }
  });
}

}  // namespace acgs::cli
