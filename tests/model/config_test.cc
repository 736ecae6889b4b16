#include "model/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "model_test_util.h"

namespace acgs {
namespace {

using test::expect_error;

std::filesystem::path source_dir() {
  const char* dir = std::getenv("ACGS_SOURCE_DIR");
  return dir != nullptr ? dir : ACGS_TEST_SOURCE_DIR;
}

nlohmann::json base_json() { return nlohmann::json::parse(config_to_json(ModelConfig{})); }

void expect_bad(const nlohmann::json& j, const std::vector<std::string>& needles) {
  expect_error([&] { parse_config(j.dump(), "/models/x/config.json"); }, ErrorKind::kInvalidModel, needles);
}

TEST(Config, LoadsRealDistilbertConfig) {
  const auto path = source_dir() / "data/distilbert-base-uncased/config.json";
  const ModelConfig c = load_config(path);
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.dim, 768);
  EXPECT_EQ(c.n_layers, 6);
  EXPECT_EQ(c.n_heads, 12);
  EXPECT_EQ(c.hidden_dim, 3072);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_EQ(c.activation, "gelu");
  EXPECT_EQ(c.head_dim(), 64);
  EXPECT_FLOAT_EQ(c.layer_norm_eps, 1e-12f);
}

TEST(Config, JsonRoundTrip) {
  const ModelConfig c = test::micro_config();
  const ModelConfig back = parse_config(config_to_json(c), "mem");
  EXPECT_EQ(back.vocab_size, c.vocab_size);
  EXPECT_EQ(back.dim, c.dim);
  EXPECT_EQ(back.n_layers, c.n_layers);
  EXPECT_EQ(back.n_heads, c.n_heads);
  EXPECT_EQ(back.hidden_dim, c.hidden_dim);
  EXPECT_EQ(back.max_position_embeddings, c.max_position_embeddings);
  const auto j = nlohmann::json::parse(config_to_json(c));
  EXPECT_EQ(j["model_type"], "distilbert");
  EXPECT_EQ(j["architectures"][0], "DistilBertModel");
}

nlohmann::json bert_json() {
  ModelConfig c;
  c.model_type = "bert";
  c.type_vocab_size = 2;
  c.dim = 384;
  c.hidden_dim = 1536;
  return nlohmann::json::parse(config_to_json(c));
}

// all-MiniLM-L6-v2's config.json as the Hub serves it (BertModel, transformers 4.8).
TEST(Config, ReadsBertConfig) {
  const std::string minilm = R"({
    "_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
    "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
    "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
    "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute",
    "transformers_version": "4.8.2", "type_vocab_size": 2, "use_cache": true, "vocab_size": 30522})";
  const ModelConfig c = parse_config(minilm, "mem");
  EXPECT_TRUE(c.is_bert());
  EXPECT_EQ(c.dim, 384);
  EXPECT_EQ(c.n_layers, 6);
  EXPECT_EQ(c.n_heads, 12);
  EXPECT_EQ(c.head_dim(), 32);
  EXPECT_EQ(c.hidden_dim, 1536);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_EQ(c.activation, "gelu");
  EXPECT_FLOAT_EQ(c.layer_norm_eps, 1e-12f);
}

TEST(Config, BertJsonRoundTripAndOptionalFields) {
  auto j = bert_json();
  EXPECT_EQ(j["model_type"], "bert");
  EXPECT_EQ(j["architectures"][0], "BertModel");
  EXPECT_EQ(j["layer_norm_eps"].get<double>(), 1e-12);
  j["hidden_act"] = "relu";
  j["layer_norm_eps"] = 1e-5;
  const ModelConfig c = parse_config(j.dump(), "mem");
  EXPECT_EQ(c.activation, "relu");
  EXPECT_FLOAT_EQ(c.layer_norm_eps, 1e-5f);
  EXPECT_EQ(parse_config(config_to_json(c), "mem").activation, "relu");
  for (const char* field : {"hidden_act", "layer_norm_eps", "type_vocab_size", "position_embedding_type"})
    j.erase(field);
  const ModelConfig d = parse_config(j.dump(), "mem");
  EXPECT_EQ(d.activation, "gelu");
  EXPECT_EQ(d.type_vocab_size, 2);
  EXPECT_FLOAT_EQ(d.layer_norm_eps, 1e-12f);
}

TEST(Config, RefusesBertVariantsWeDoNotRun) {
  auto j = bert_json();
  j["position_embedding_type"] = "relative_key";
  expect_bad(j, {"position_embedding_type", "relative_key", "absolute"});
  j = bert_json();
  j["hidden_act"] = "silu";
  expect_bad(j, {"hidden_act", "silu", "gelu_new"});
  j = bert_json();
  j["is_decoder"] = true;
  expect_bad(j, {"is_decoder"});
  j = bert_json();
  j["layer_norm_eps"] = -1;
  expect_bad(j, {"layer_norm_eps"});
  j = bert_json();
  j.erase("num_attention_heads");
  expect_bad(j, {"num_attention_heads"});
  j = bert_json();
  j["model_type"] = "roberta";
  expect_bad(j, {"roberta", "\"bert\""});
}

TEST(Config, OptionalFieldsDefault) {
  auto j = base_json();
  j.erase("pad_token_id");
  j.erase("activation");
  const ModelConfig c = parse_config(j.dump(), "mem");
  EXPECT_EQ(c.pad_token_id, 0);
  EXPECT_EQ(c.activation, "gelu");
}

TEST(Config, RejectsOtherModelTypes) {
  auto j = base_json();
  j["model_type"] = "xlm-roberta";
  expect_bad(j, {"/models/x/config.json", "model_type", "xlm-roberta"});
  j.erase("model_type");
  expect_bad(j, {"/models/x/config.json", "model_type"});
}

TEST(Config, RejectsReluActivation) {
  auto j = base_json();
  j["activation"] = "relu";
  expect_bad(j, {"/models/x/config.json", "activation", "relu"});
}

TEST(Config, RejectsDimNotDivisibleByHeads) {
  auto j = base_json();
  j["n_heads"] = 10;
  expect_bad(j, {"/models/x/config.json", "dim", "n_heads"});
}

TEST(Config, RejectsNonPositiveSizes) {
  for (const char* field : {"vocab_size", "dim", "n_layers", "n_heads", "hidden_dim", "max_position_embeddings"}) {
    for (int v : {0, -3}) {
      auto j = base_json();
      j[field] = v;
      expect_bad(j, {"/models/x/config.json", field});
    }
  }
}

TEST(Config, RejectsAbsurdSizes) {
  auto j = base_json();
  j["vocab_size"] = 4000000;
  j["dim"] = 65536;
  j["n_heads"] = 1;
  expect_bad(j, {"/models/x/config.json", "parameters"});
  j = base_json();
  j["dim"] = uint64_t{1} << 63;
  expect_bad(j, {"'dim'"});
  j = base_json();
  j["hidden_dim"] = 1e300;
  expect_bad(j, {"'hidden_dim'", "integer"});
}

TEST(Config, RejectsMissingAndMistypedFields) {
  auto j = base_json();
  j.erase("n_layers");
  expect_bad(j, {"missing field 'n_layers'"});
  j = base_json();
  j["dim"] = "768";
  expect_bad(j, {"'dim'", "integer"});
  j = base_json();
  j["n_heads"] = 12.5;
  expect_bad(j, {"'n_heads'", "integer"});
  j = base_json();
  j["pad_token_id"] = 30522;
  expect_bad(j, {"'pad_token_id'"});
}

TEST(Config, RejectsMalformedJson) {
  expect_error([] { parse_config("{\"dim\": ", "cfg.json"); }, ErrorKind::kInvalidModel, {"cfg.json", "JSON"});
  expect_error([] { parse_config("[1,2]", "cfg.json"); }, ErrorKind::kInvalidModel, {"cfg.json", "object"});
  expect_error([] { parse_config("", "cfg.json"); }, ErrorKind::kInvalidModel, {"cfg.json"});
}

TEST(Config, MissingFileNamesIt) {
  test::TempDir dir;
  expect_error([&] { load_config(dir / "config.json"); }, ErrorKind::kInvalidModel, {(dir / "config.json").string()});
}

}  // namespace
}  // namespace acgs
