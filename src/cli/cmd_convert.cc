// `acgs-infer convert`: reads a model in any layout --model accepts (an ONNX export included) and writes
// a Hugging Face directory: config.json, model.safetensors (F32), and the tokenizer files that were beside
// the source (else the bert-base-uncased ones shipped in data/). An --out ending in .onnx gets the ONNX
// export instead (model/onnx/onnx_export.h), the file ACGS-2's optimizer exported with PyTorch.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/error.h"
#include "common/short_number.h"
#include "engine/model_source.h"
#include "model/onnx/onnx_export.h"
#include "model/synth.h"

namespace acgs::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string model;
  std::string out;
};

void run_export_onnx(const LoadedModel& model, const std::string& out) {
  const OnnxExportResult result = export_onnx(*model.weights, out);
  nlohmann::ordered_json j;
  j["source"] = model.files.weights.string();
  j["source_format"] = model.files.format;
  j["out"] = out;
  j["format"] = "onnx";
  j["opset"] = kOnnxExportOpset;
  j["sha256"] = result.sha256;
  j["bytes"] = result.bytes;
  std::printf("%s\n", j.dump(2).c_str());
}

void run_convert(const ConvertOptions& opt) {
  const LoadedModel model = load_model(opt.model);
  if (fs::path(opt.out).extension() == ".onnx") return run_export_onnx(model, opt.out);
  // A DistilBERT config.json has no eps field (DistilBERT hard-codes 1e-12; BERT's has layer_norm_eps), so a
  // DistilBERT folder written for a model computing with another eps would load back as a different model.
  if (const float eps = model.weights->config.layer_norm_eps;
      !model.weights->config.is_bert() && eps != ModelConfig{}.layer_norm_eps)
    fail(ErrorKind::kInvalidModel, model.files.weights.string() + ": its LayerNorms use eps " + short_number(eps) +
                                       ", which a DistilBERT config.json cannot state (DistilBERT hard-codes 1e-12); "
                                       "convert to a .onnx file (--out model.onnx) instead");
  const std::string sha = save_model_dir(*model.weights, opt.out);
  std::error_code ec;
  // The folder must tokenize as the source does: the source's own files replace the bert-base-uncased
  // ones save_model_dir wrote, and one it lacks is removed (a stray tokenizer.json would win over its
  // vocab.txt).
  const bool own_tokenizer = fs::is_regular_file(model.files.dir / "tokenizer.json", ec) ||
                             fs::is_regular_file(model.files.dir / "vocab.txt", ec);
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    const fs::path src = model.files.dir / name, dst = fs::path(opt.out) / name;
    if (!fs::is_regular_file(src, ec)) {
      if (own_tokenizer) fs::remove(dst, ec);
    } else if (!fs::equivalent(src, dst, ec)) {
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
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
  cmd->add_option("--out", opt->out, "directory to write config.json, model.safetensors and the tokenizer into, "
                                     "or a .onnx file to export to (opset 14, dynamic batch and sequence axes)")
      ->required();
  cmd->callback([opt] { run_convert(*opt); });
}

}  // namespace acgs::cli
