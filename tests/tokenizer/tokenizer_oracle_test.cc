// Parity with HF tokenizers: tools/oracle/tokenize_golden.js runs the npm `tokenizers` package over
// corpus.jsonl at test time (tokenizer.json, vocab.txt and four normalizer-flag variants; max_length 0,
// 128, 16; padded batches) and every id must match ours.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oracle/hf_tokenizers_oracle.h"
#include "tokenizer/tokenizer.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<json> run_oracle() {
  const fs::path out = fs::path(std::getenv("ACGS_BINARY_DIR")) / "tokenizer_oracle";
  const fs::path data = test::source_dir() / "data/bert-base-uncased";
  return test::run_node_oracle("tokenize_golden.js",
                               {(test::source_dir() / "tests/tokenizer/corpus.jsonl").string(),
                                (data / "tokenizer.json").string(), (data / "vocab.txt").string(), out.string()},
                               out / "goldens.jsonl");
}

std::string describe(const json& run) {
  return run.at("file").get<std::string>() + " max_length=" + std::to_string(run.at("max_length").get<int>()) +
         (run.contains("padding") ? " padding=" + run.at("padding").get<std::string>() : "");
}

TEST(TokenizerOracle, EveryIdMatchesHfTokenizers) {
  const auto texts = test::read_corpus();
  ASSERT_GE(texts.size(), 300u);
  const auto runs = run_oracle();
  ASSERT_EQ(runs.size(), 22u);
  size_t compared = 0;
  for (const json& run : runs) {
    SCOPED_TRACE(describe(run));
    const Tokenizer tok = Tokenizer::from_file(run.at("file").get<std::string>());
    const int max_length = run.at("max_length").get<int>();
    const auto& expected_ids = run.at("ids");
    ASSERT_EQ(expected_ids.size(), texts.size());
    if (!run.contains("padding")) {
      for (size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(tok.encode(texts[i], max_length), expected_ids[i].get<std::vector<int32_t>>())
            << "text " << i << ": " << json(texts[i]).dump();
        ++compared;
      }
      continue;
    }
    const Padding padding = run.at("padding") == "longest" ? Padding::kLongest : Padding::kMaxLength;
    const size_t batch_size = run.at("batch_size").get<size_t>();
    for (size_t start = 0; start < texts.size(); start += batch_size) {
      const size_t n = std::min(batch_size, texts.size() - start);
      const auto encodings = tok.encode_batch(std::span(texts).subspan(start, n), max_length, padding);
      for (size_t k = 0; k < n; ++k) {
        EXPECT_EQ(encodings[k].ids, expected_ids[start + k].get<std::vector<int32_t>>()) << "text " << start + k;
        EXPECT_EQ(encodings[k].attention_mask, run.at("mask")[start + k].get<std::vector<int32_t>>())
            << "text " << start + k;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, texts.size() * runs.size());
}

}  // namespace
}  // namespace acgs
