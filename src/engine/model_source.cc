#include "engine/model_source.h"

#include "common/data_dir.h"
#include "common/error.h"
#include "model/default_model.h"
#include "model/onnx/onnx_import.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

// Tokenizer files beside the ONNX model (optimum layout), else the bert-base-uncased vocabulary shipped
// in data/ (what DistilBERT uncased models use).
fs::path onnx_tokenizer(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : {"tokenizer.json", "vocab.txt"})
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  return find_data_file("bert-base-uncased/tokenizer.json");
}

ModelFiles onnx_files(const fs::path& onnx) {
  ModelFiles files;
  files.dir = onnx.parent_path().empty() ? fs::path(".") : onnx.parent_path();
  files.weights = onnx;
  files.format = "onnx";
  std::error_code ec;
  if (fs::is_regular_file(files.dir / "config.json", ec)) files.config = files.dir / "config.json";
  files.tokenizer = onnx_tokenizer(files.dir);
  return files;
}

}  // namespace

ModelFiles locate_any_model(const std::string& model) {
  const fs::path path = resolve_model_dir(model);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    if (path.extension() != ".onnx")
      fail(ErrorKind::kInvalidModel, "--model " + path.string() +
                                         " is a file but not a .onnx model; give a model directory (config.json, "
                                         "model.safetensors, vocab.txt) or an ONNX file");
    return onnx_files(path);
  }
  if (fs::is_directory(path, ec) && !fs::exists(path / "model.safetensors", ec) &&
      fs::is_regular_file(path / "model.onnx", ec))
    return onnx_files(path / "model.onnx");
  return locate_model(path);
}

LoadedModel load_model(const std::string& model) {
  LoadedModel loaded;
  loaded.files = locate_any_model(model);
  loaded.weights = std::make_shared<const ModelWeights>(
      loaded.files.format == "onnx" ? load_onnx_weights(loaded.files.weights, loaded.files.config)
                                    : load_weights(loaded.files));
  loaded.tokenizer = std::make_shared<const Tokenizer>(Tokenizer::from_file(loaded.files.tokenizer));
  loaded.sentence = load_sentence_config(loaded.files.dir, loaded.weights->config.dim);
  if (loaded.tokenizer->vocab_size() > loaded.weights->config.vocab_size)
    fail(ErrorKind::kInvalidModel, "the tokenizer " + loaded.files.tokenizer.string() + " has " +
                                       std::to_string(loaded.tokenizer->vocab_size()) + " tokens but the model only " +
                                       std::to_string(loaded.weights->config.vocab_size) +
                                       ": they do not belong together");
  return loaded;
}

}  // namespace acgs
