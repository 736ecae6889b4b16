#include <cstdio>
#include <exception>

#include "cli/command.h"
#include "common/error.h"

int main(int argc, char** argv) {
  CLI::App app{"acgs-infer: DistilBERT inference engine and impact scorer for the ACGS-2 agent bus"};
  app.require_subcommand(1);
  acgs::cli::register_tokenize(app);
  acgs::cli::register_synth(app);
  acgs::cli::register_embed(app);
  acgs::cli::register_status(app);
  acgs::cli::register_convert(app);
  acgs::cli::register_bench(app);
  acgs::cli::register_optimize(app);
  acgs::cli::register_plan_info(app);
  acgs::cli::register_score(app);
  acgs::cli::register_benchmark_gpu_decision(app);
  acgs::cli::register_serve(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 returns 0 for --help and its own non-zero codes for usage errors; we promise exit 2.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const acgs::Error& e) {
    std::fprintf(stderr, "acgs-infer: error: %s\n", e.what());
    return e.kind() == acgs::ErrorKind::kInvalidArgument ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "acgs-infer: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
