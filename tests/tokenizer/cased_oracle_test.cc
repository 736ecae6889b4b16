// Cased and uncased BERT as the files configure it, against HF tokenizers: tools/oracle/cased_golden.js
// writes model directories over a cased test vocabulary (tokenizer.json with each BertNormalizer flag
// setting or none; vocab.txt with each tokenizer_config.json setting; both files together) and the ids HF
// gives for the corpus and a Unicode sweep at max_length 0 and 16. Each directory goes through
// Tokenizer::from_dir, as a model directory does, and every id must match.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oracle/hf_tokenizers_oracle.h"
#include "tokenizer/tokenizer.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(CasedOracle, EveryDirectoryMatchesHfTokenizers) {
  const fs::path out = fs::path(std::getenv("ACGS_BINARY_DIR")) / "cased_oracle";
  const auto lines = test::run_node_oracle(
      "cased_golden.js",
      {(test::source_dir() / "tests/tokenizer/corpus.jsonl").string(),
       (test::source_dir() / "data/bert-base-uncased/tokenizer.json").string(), out.string()},
      out / "goldens.jsonl");
  ASSERT_EQ(lines.size(), 1u + 15 * 4);  // the sweep texts, then 15 directories x 2 text sets x 2 max_lengths
  const std::map<std::string, std::vector<std::string>> texts = {
      {"corpus", test::read_corpus()}, {"sweep", lines[0].at("sweep").get<std::vector<std::string>>()}};
  ASSERT_GE(texts.at("sweep").size(), 200u);

  size_t compared = 0, differing = 0;
  std::map<std::string, int> special_ids;
  for (size_t r = 1; r < lines.size(); ++r) {
    const json& run = lines[r];
    const fs::path dir = run.at("dir").get<std::string>();
    const int max_length = run.at("max_length").get<int>();
    SCOPED_TRACE(dir.filename().string() + " " + run.at("texts").get<std::string>() +
                 " max_length=" + std::to_string(max_length));
    const Tokenizer tok = Tokenizer::from_dir(dir);
    special_ids[dir.filename().string()] = tok.cls_id() * 100 + tok.sep_id();
    const auto& list = texts.at(run.at("texts").get<std::string>());
    const auto& expected = run.at("ids");
    ASSERT_EQ(expected.size(), list.size());
    for (size_t i = 0; i < list.size() && differing < 20; ++i) {
      const auto ids = tok.encode(list[i], max_length);
      if (ids != expected[i].get<std::vector<int32_t>>()) {
        ADD_FAILURE() << "text " << i << ": " << json(list[i]).dump() << "\n  ours: " << json(ids).dump()
                      << "\n  HF:   " << expected[i].dump();
        ++differing;
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, 15 * 2 * (texts.at("corpus").size() + texts.at("sweep").size()));
  // The cased vocabulary moves [CLS] and [SEP] to 2 and 3: every way of loading it must find them there.
  for (const auto& [name, ids] : special_ids) EXPECT_EQ(ids, 203) << name;
}

}  // namespace
}  // namespace acgs
