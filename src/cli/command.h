#pragma once
// Each subcommand lives in its own cmd_*.cc and registers itself on the CLI11 app; main.cc only lists
// them. A subcommand's callback throws acgs::Error for user errors; main maps that to a message and an
// exit code (2 for usage errors, 1 otherwise).
#include <CLI/CLI.hpp>

namespace acgs::cli {

void register_tokenize(CLI::App& app);
void register_synth(CLI::App& app);
void register_embed(CLI::App& app);
void register_status(CLI::App& app);
void register_convert(CLI::App& app);
void register_bench(CLI::App& app);
void register_optimize(CLI::App& app);
void register_plan_info(CLI::App& app);
void register_score(CLI::App& app);
void register_benchmark_gpu_decision(CLI::App& app);
void register_serve(CLI::App& app);

}  // namespace acgs::cli
