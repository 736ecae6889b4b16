#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "model/synth.h"

namespace acgs::cli {

void register_synth(CLI::App& app) {
  struct Options {
    std::string preset;
    uint64_t seed = 0;
    std::string out;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd =
      app.add_subcommand("synth",
                         "Write a Hugging Face format model directory (config.json, model.safetensors, vocab.txt, "
                         "tokenizer.json; the BERT presets also the sentence-transformers files) with deterministic "
                         "random weights");
  cmd->add_option("--preset", opts->preset,
                  "DistilBERT: tiny (dim 64, 2 layers) or base (distilbert-base-uncased shapes); BERT with "
                  "sentence-transformers files: minilm-l6 (384, 6 layers), bge-small (384, 12 layers), bert-base "
                  "(768, 12 layers)")
      ->required()
      ->check(CLI::IsMember(synth_preset_names()));
  cmd->add_option("--seed", opts->seed, "PRNG seed; the same seed gives byte-identical weights")
      ->check(CLI::Validator(
          [](std::string& v) { return v.starts_with('-') ? std::string("must be a non-negative integer") : ""; },
          "NONNEGATIVE"))
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "output directory (created if missing; its model files are overwritten)")
      ->required();
  cmd->callback([opts] {
    const std::string sha = synth_model(opts->preset, opts->seed, opts->out);
    std::printf("wrote %s model (seed %llu) to %s\nmodel.safetensors sha256 %s\n", opts->preset.c_str(),
                static_cast<unsigned long long>(opts->seed), opts->out.c_str(), sha.c_str());
  });
}

}  // namespace acgs::cli
