#pragma once
// Test-side driver of the PyTorch oracle (tools/oracle/torch_reference.py, DistilBERT and BERT, run with
// /usr/bin/python3):
// writes token id lists, runs the script, reads back last_hidden_state and the pooled vectors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/token_batch.h"

namespace acgs::test {

struct TorchOutput {
  std::vector<std::vector<double>> hidden;  // per sequence, [tokens * dim] row-major
  std::vector<std::vector<double>> mean, cls, max;
  std::vector<std::vector<double>> pooled;  // the directory's declared sentence-transformers pooling
};

// One JSON id list per line, as the oracle reads them.
inline void write_ids_jsonl(const TokenBatch& batch, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::trunc);
  for (int i = 0; i < batch.size(); ++i) {
    const auto seq = batch.sequence(i);
    out << nlohmann::json(std::vector<int32_t>(seq.begin(), seq.end())).dump() << "\n";
  }
}

// `args`: oracle options such as "--dtype float32 --mode padded --normalize". Adds a test failure and
// returns nothing if the script fails.
inline TorchOutput run_torch_oracle(const std::filesystem::path& model_dir, const std::filesystem::path& ids_jsonl,
                                    const std::string& args) {
  const char* source_dir = std::getenv("ACGS_SOURCE_DIR");
  const std::filesystem::path out = ids_jsonl.parent_path() / "torch_output.jsonl";
  const std::string command = "/usr/bin/python3 " + std::string(source_dir != nullptr ? source_dir : ".") +
                              "/tools/oracle/torch_reference.py --model '" + model_dir.string() + "' --input '" +
                              ids_jsonl.string() + "' --output '" + out.string() + "' " + args;
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "the PyTorch oracle failed: " << command;
    return {};
  }
  TorchOutput result;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    std::vector<double> hidden;
    for (const auto& row : j["hidden"])
      for (double v : row) hidden.push_back(v);
    result.hidden.push_back(std::move(hidden));
    result.mean.push_back(j["mean"].get<std::vector<double>>());
    result.cls.push_back(j["cls"].get<std::vector<double>>());
    result.max.push_back(j["max"].get<std::vector<double>>());
    result.pooled.push_back(j["pooled"].get<std::vector<double>>());
  }
  return result;
}

// max |ours - theirs| where ours is their sequences concatenated (packed hidden states, or one pooled
// row per sequence); infinity when the sizes differ.
inline double max_abs_diff(const std::vector<float>& ours, const std::vector<std::vector<double>>& theirs) {
  size_t pos = 0;
  double worst = 0;
  for (const auto& seq : theirs)
    for (double v : seq) {
      if (pos >= ours.size()) return std::numeric_limits<double>::infinity();
      worst = std::max(worst, std::abs(double(ours[pos++]) - v));
    }
  return pos == ours.size() ? worst : std::numeric_limits<double>::infinity();
}

}  // namespace acgs::test
