// `acgs-infer status`: opens the model the way a server does and prints which backend runs, why every
// other one does not, the CUDA plan's state, the model and the library versions as JSON (the seed's
// get_optimization_status(); the server serves the same object at GET /v1/status).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "engine/backend_factory.h"
#include "engine/engine.h"

namespace acgs::cli {
namespace {

struct StatusOptions {
  std::string model;
  EngineOptions engine;
};

}  // namespace

void register_status(CLI::App& app) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Open the model, pick a backend and print the choices as JSON");
  cmd->add_option("--model", opts->model,
                  "model directory, optimum directory with model.onnx, or a .onnx file; omitted or \"default\": "
                  "the embedded default model");
  std::string names = "auto";
  for (const auto& n : known_backends()) names += ", " + n;
  cmd->add_option("--backend", opts->engine.backend,
                  "backend (" + names + "); default: $ACGS_BACKEND, else auto (the fallback chain)");
  cmd->add_option("--plan", opts->engine.plan_path, "CUDA engine plan (default: the cache path for model and GPU)");
  cmd->add_flag("--allow-int8", opts->engine.allow_int8, "put cpu-int8 in the fallback chain");
  cmd->add_flag("!--no-build-plan", opts->engine.build_plan, "do not build a missing or stale plan");
  cmd->add_option("--threads", opts->engine.threads, "CPU threads (0 = physical cores)")->capture_default_str();
  cmd->callback([opts] {
    const auto engine = Engine::open(opts->model, opts->engine);
    std::printf("%s\n", engine->status_json().dump(2).c_str());
  });
}

}  // namespace acgs::cli
