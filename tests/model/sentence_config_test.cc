#include "model/sentence_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model_test_util.h"

namespace acgs {
namespace {

using nlohmann::json;
using test::expect_error;
using test::TempDir;

SentenceConfig round_trip(const SentenceConfig& s, int dim) {
  const TempDir dir;
  save_sentence_config(s, dim, dir.path());
  return load_sentence_config(dir.path(), dim);
}

TEST(SentenceConfig, AbsentWithoutModulesJson) {
  const TempDir dir;
  EXPECT_FALSE(load_sentence_config(dir.path(), 8).declared);
}

TEST(SentenceConfig, EachPoolingModeAndNormalizeRoundTrip) {
  for (const char* mode : {"mean", "cls", "max"}) {
    for (const bool normalize : {false, true}) {
      SentenceConfig s;
      s.declared = true;
      s.pooling = mode;
      s.normalize = normalize;
      s.include_prompt = false;
      s.max_seq_length = 77;
      const SentenceConfig back = round_trip(s, 16);
      EXPECT_TRUE(back.declared);
      EXPECT_EQ(back.pooling, mode);
      EXPECT_EQ(back.normalize, normalize);
      EXPECT_FALSE(back.include_prompt);
      EXPECT_EQ(back.max_seq_length, 77);
    }
  }
}

// all-MiniLM-L6-v2's files as the Hub serves them (sentence-transformers 2.0 wrote no include_prompt).
TEST(SentenceConfig, ReadsMiniLmFiles) {
  const TempDir dir;
  test::write_text(dir / "modules.json", R"([
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])");
  std::filesystem::create_directories(dir / "1_Pooling");
  test::write_text(dir / "1_Pooling/config.json", R"({"word_embedding_dimension": 384,
    "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false,
    "pooling_mode_mean_sqrt_len_tokens": false})");
  test::write_text(dir / "sentence_bert_config.json", R"({"max_seq_length": 256, "do_lower_case": false})");
  const SentenceConfig s = load_sentence_config(dir.path(), 384);
  EXPECT_EQ(s.pooling, "mean");
  EXPECT_TRUE(s.normalize);
  EXPECT_TRUE(s.include_prompt);
  EXPECT_EQ(s.max_seq_length, 256);
}

TEST(SentenceConfig, RefusesWhatWouldBeApproximated) {
  SentenceConfig s;
  s.declared = true;
  const TempDir dir;
  save_sentence_config(s, 8, dir.path());
  expect_error([&] { load_sentence_config(dir.path(), 16); }, ErrorKind::kInvalidModel,
               {"1_Pooling", "word_embedding_dimension", "16"});

  json pooling = json::parse(R"({"word_embedding_dimension": 8, "pooling_mode_cls_token": true,
                                 "pooling_mode_mean_tokens": true})");
  test::write_text(dir / "1_Pooling/config.json", pooling.dump());
  expect_error([&] { load_sentence_config(dir.path(), 8); }, ErrorKind::kInvalidModel, {"2 pooling modes"});
  pooling = {{"pooling_mode_weightedmean_tokens", true}};
  test::write_text(dir / "1_Pooling/config.json", pooling.dump());
  expect_error([&] { load_sentence_config(dir.path(), 8); }, ErrorKind::kInvalidModel,
               {"pooling_mode_weightedmean_tokens", "not supported"});

  save_sentence_config(s, 8, dir.path());
  const auto bytes = test::read_bytes(dir / "modules.json");
  json modules = json::parse(bytes.begin(), bytes.end());
  modules.push_back({{"idx", 2}, {"name", "2"}, {"path", "2_Dense"}, {"type", "sentence_transformers.models.Dense"}});
  test::write_text(dir / "modules.json", modules.dump());
  expect_error([&] { load_sentence_config(dir.path(), 8); }, ErrorKind::kInvalidModel,
               {"modules.json", "sentence_transformers.models.Dense", "not supported"});

  test::write_text(dir / "modules.json", "{not json");
  expect_error([&] { load_sentence_config(dir.path(), 8); }, ErrorKind::kInvalidModel, {"modules.json", "not valid JSON"});
}

}  // namespace
}  // namespace acgs
