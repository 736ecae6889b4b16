// `acgs-infer convert`: reads a model in any layout --model accepts (an ONNX export included) and writes
// a Hugging Face directory: config.json, model.safetensors (F32), and the tokenizer files that were beside
// the source (else the bert-base-uncased ones shipped in data/).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/error.h"
#include "engine/model_source.h"
#include "model/synth.h"

namespace acgs::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string model;
  std::string out;
};

void run_convert(const ConvertOptions& opt) {
  const LoadedModel model = load_model(opt.model);
  const std::string sha = save_model_dir(*model.weights, opt.out);
  std::error_code ec;
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    const fs::path src = model.files.dir / name;
    if (fs::is_regular_file(src, ec) && !fs::equivalent(src, fs::path(opt.out) / name, ec)) {
      fs::copy_file(src, fs::path(opt.out) / name, fs::copy_options::overwrite_existing, ec);
      if (ec) fail(ErrorKind::kInvalidArgument, "cannot copy " + src.string() + " to " + opt.out + ": " + ec.message());
    }
  }
  nlohmann::ordered_json j;
  j["source"] = model.files.weights.string();
  j["source_format"] = model.files.format;
  j["out"] = opt.out;
  j["sha256"] = sha;
  j["layers"] = model.weights->config.n_layers;
  j["dim"] = model.weights->config.dim;
  j["n_heads"] = model.weights->config.n_heads;
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

void register_convert(CLI::App& app) {
  auto opt = std::make_shared<ConvertOptions>();
  auto* cmd = app.add_subcommand("convert", "Convert a model (e.g. an ONNX export) to a Hugging Face directory");
  cmd->add_option("--model", opt->model, "source: model directory, optimum directory with model.onnx, or .onnx file")
      ->required();
  cmd->add_option("--out", opt->out, "directory to write config.json, model.safetensors and the tokenizer into")
      ->required();
  cmd->callback([opt] { run_convert(*opt); });
}

}  // namespace acgs::cli
