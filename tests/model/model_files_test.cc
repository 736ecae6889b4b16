#include "model/model_files.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/safetensors.h"
#include "model/synth.h"
#include "model/tensor_slots.h"
#include "model_test_util.h"

namespace acgs {
namespace {

using test::expect_error;
using test::TempDir;

// A micro model directory whose safetensors content each test shapes through `edit`.
class ModelDir {
 public:
  explicit ModelDir(const ModelConfig& config = test::micro_config()) : weights_(synth_weights(config, 7)) {
    save_model_dir(weights_, dir_.path());
    for (const ConstTensorSlot& s : tensor_slots(static_cast<const ModelWeights&>(weights_)))
      tensors_.push_back({s.name, s.shape, s.tensor->data, DType::kF32});
  }
  const ModelWeights& weights() const { return weights_; }
  std::vector<TensorToWrite>& tensors() { return tensors_; }
  const std::filesystem::path& path() const { return dir_.path(); }
  std::filesystem::path weights_file() const { return dir_ / "model.safetensors"; }
  void rewrite() { write_safetensors(weights_file(), tensors_); }
  ModelWeights load() const { return load_weights(locate_model(path())); }

 private:
  TempDir dir_;
  ModelWeights weights_;
  std::vector<TensorToWrite> tensors_;
};

void expect_same_weights(const ModelWeights& a, const ModelWeights& b) {
  const auto sa = tensor_slots(a);
  const auto sb = tensor_slots(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].tensor->shape, sb[i].tensor->shape) << sa[i].name;
    EXPECT_EQ(sa[i].tensor->data, sb[i].tensor->data) << sa[i].name;
  }
}

TEST(ModelFiles, LocateFindsEveryFileAndPrefersTokenizerJson) {
  ModelDir m;
  const ModelFiles files = locate_model(m.path());
  EXPECT_EQ(files.config, m.path() / "config.json");
  EXPECT_EQ(files.weights, m.path() / "model.safetensors");
  EXPECT_EQ(files.tokenizer, m.path() / "tokenizer.json");
  EXPECT_EQ(files.format, "safetensors");
  std::filesystem::remove(m.path() / "tokenizer.json");
  EXPECT_EQ(locate_model(m.path()).tokenizer, m.path() / "vocab.txt");
}

TEST(ModelFiles, LocateNamesEachMissingFile) {
  TempDir empty;
  expect_error([&] { locate_model(empty / "nope"); }, ErrorKind::kInvalidModel, {"does not exist", "acgs-infer synth"});
  ModelDir m;
  expect_error([&] { locate_model(m.path() / "config.json"); }, ErrorKind::kInvalidModel, {"not a directory"});
  std::filesystem::remove(m.path() / "tokenizer.json");
  std::filesystem::remove(m.path() / "vocab.txt");
  expect_error([&] { locate_model(m.path()); }, ErrorKind::kInvalidModel, {"vocab.txt", "acgs-infer synth"});
  std::filesystem::rename(m.weights_file(), m.path() / "pytorch_model.bin");
  expect_error([&] { locate_model(m.path()); }, ErrorKind::kInvalidModel, {"model.safetensors", "pytorch_model.bin"});
  std::filesystem::remove(m.path() / "pytorch_model.bin");
  expect_error([&] { locate_model(m.path()); }, ErrorKind::kInvalidModel, {"model.safetensors", "acgs-infer synth"});
  std::filesystem::remove(m.path() / "config.json");
  expect_error([&] { locate_model(m.path()); }, ErrorKind::kInvalidModel, {"config.json", "acgs-infer synth"});
}

TEST(ModelFiles, LoadsUnprefixedNames) {
  ModelDir m;
  const ModelWeights w = m.load();
  expect_same_weights(w, m.weights());
  EXPECT_EQ(w.config.dim, 8);
  EXPECT_EQ(w.layers.size(), 2u);
  EXPECT_EQ(w.sha256.size(), 64u);
}

// The real distilbert-base-uncased checkpoint: every encoder name prefixed, MLM head alongside.
TEST(ModelFiles, LoadsPrefixedCheckpointWithMlmHead) {
  ModelDir m;
  for (auto& t : m.tensors()) t.name = "distilbert." + t.name;
  const int64_t d = 8, v = 40;
  const std::vector<float> dd(d * d, 0.5f), dvec(d, 0.25f), vvec(v, 0.125f);
  m.tensors().push_back({"vocab_transform.weight", {d, d}, dd, DType::kF32});
  m.tensors().push_back({"vocab_transform.bias", {d}, dvec, DType::kF32});
  m.tensors().push_back({"vocab_layer_norm.weight", {d}, dvec, DType::kF32});
  m.tensors().push_back({"vocab_layer_norm.bias", {d}, dvec, DType::kF32});
  m.tensors().push_back({"vocab_projector.bias", {v}, vvec, DType::kF32});
  m.rewrite();
  expect_same_weights(m.load(), m.weights());
}

// Older transformers exports also carry the position_ids buffer.
TEST(ModelFiles, IgnoresPositionIdsBuffer) {
  ModelDir m;
  const std::vector<float> ids(16, 0.0f);
  m.tensors().push_back({"distilbert.embeddings.position_ids", {1, 16}, ids, DType::kF32});
  m.rewrite();
  expect_same_weights(m.load(), m.weights());
}

TEST(ModelFiles, LoadsF16AndBF16Checkpoints) {
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    ModelDir m;
    for (auto& t : m.tensors()) t.dtype = dtype;
    m.rewrite();
    const ModelWeights w = m.load();
    const auto got = tensor_slots(w);
    const auto want = tensor_slots(m.weights());
    for (size_t i = 0; i < got.size(); ++i)
      for (size_t k = 0; k < got[i].tensor->data.size(); ++k)
        EXPECT_NEAR(got[i].tensor->data[k], want[i].tensor->data[k], std::abs(want[i].tensor->data[k]) * 4e-3f + 1e-7f)
            << got[i].name;
  }
}

TEST(ModelFiles, RejectsMissingTensor) {
  ModelDir m;
  std::erase_if(m.tensors(), [](const TensorToWrite& t) { return t.name == "transformer.layer.1.ffn.lin2.bias"; });
  m.rewrite();
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel,
               {m.weights_file().string(), "missing tensor 'transformer.layer.1.ffn.lin2.bias'"});
}

TEST(ModelFiles, RejectsMisShapedTensor) {
  ModelDir m;
  for (auto& t : m.tensors())
    if (t.name == "transformer.layer.0.attention.q_lin.weight") t.shape = {4, 16};  // same count, wrong shape
  m.rewrite();
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel,
               {m.weights_file().string(), "'transformer.layer.0.attention.q_lin.weight'", "[4, 16]", "[8, 8]"});
}

TEST(ModelFiles, RejectsUnexpectedEncoderTensor) {
  ModelDir m;
  const std::vector<float> extra(8, 1.0f);
  m.tensors().push_back({"distilbert.transformer.layer.2.output_layer_norm.bias", {8}, extra, DType::kF32});
  m.rewrite();
  expect_error(
      [&] { m.load(); }, ErrorKind::kInvalidModel,
      {m.weights_file().string(), "unexpected tensor 'distilbert.transformer.layer.2.output_layer_norm.bias'"});
}

TEST(ModelFiles, RejectsConfigWithMoreLayersThanWeights) {
  ModelDir m;
  ModelConfig c = m.weights().config;
  c.n_layers = 3;
  test::write_text(m.path() / "config.json", config_to_json(c));
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel, {"missing tensor 'transformer.layer.2."});
}

TEST(ModelFiles, RejectsDuplicatedPrefixedAndPlainTensor) {
  ModelDir m;
  const auto first = m.tensors().front();
  m.tensors().push_back({"distilbert." + first.name, first.shape, first.data, DType::kF32});
  m.rewrite();
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel, {"'" + first.name + "'", "twice"});
}

TEST(ModelFiles, RejectsNonFiniteWeights) {
  ModelDir m;
  std::vector<float> bad(8, 0.0f);
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  for (auto& t : m.tensors())
    if (t.name == "embeddings.LayerNorm.bias") t.data = bad;
  m.rewrite();
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel, {"'embeddings.LayerNorm.bias'", "non-finite", "index 3"});
}

ModelConfig micro_bert() {
  ModelConfig c = test::micro_config();
  c.model_type = "bert";
  c.type_vocab_size = 2;
  return c;
}

// A BertForMaskedLM-style checkpoint: `bert.` prefix, the pooler and the MLM head alongside, the
// token_type_ids buffer some transformers versions save.
TEST(ModelFiles, LoadsBertWithPrefixPoolerAndMlmHead) {
  ModelDir m(micro_bert());
  for (auto& t : m.tensors()) t.name = "bert." + t.name;
  const int64_t d = 8, v = 40;
  const std::vector<float> dd(d * d, 0.5f), dvec(d, 0.25f), vvec(v, 0.125f), ids(16, 0.0f);
  m.tensors().push_back({"bert.pooler.dense.weight", {d, d}, dd, DType::kF32});
  m.tensors().push_back({"bert.pooler.dense.bias", {d}, dvec, DType::kF32});
  m.tensors().push_back({"cls.predictions.bias", {v}, vvec, DType::kF32});
  m.tensors().push_back({"cls.predictions.transform.dense.weight", {d, d}, dd, DType::kF32});
  m.tensors().push_back({"bert.embeddings.token_type_ids", {1, 16}, ids, DType::kF32});
  m.rewrite();
  const ModelWeights loaded = m.load();
  EXPECT_TRUE(loaded.config.is_bert());
  EXPECT_EQ(loaded.token_type_embeddings.shape, (std::vector<int64_t>{2, d}));
  expect_same_weights(loaded, m.weights());
}

TEST(ModelFiles, BertNeedsItsTokenTypeEmbeddingAndOwnNames) {
  ModelDir m(micro_bert());
  std::erase_if(m.tensors(), [](const TensorToWrite& t) { return t.name.find("token_type") != std::string::npos; });
  m.rewrite();
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel, {"embeddings.token_type_embeddings.weight", "missing"});

  // DistilBERT weights under a BERT config.json: the layer names do not match.
  ModelDir d;
  test::write_text(d.path() / "config.json", config_to_json(micro_bert()));
  expect_error([&] { d.load(); }, ErrorKind::kInvalidModel, {"missing tensor", "'bert.' prefix", "config.json"});
}

TEST(ModelFiles, RejectsNonDistilbertConfigAndCorruptWeights) {
  ModelDir m;
  test::write_text(m.path() / "config.json", R"({"model_type": "bert", "hidden_size": 768})");
  expect_error([&] { m.load(); }, ErrorKind::kInvalidModel, {"config.json", "missing field 'vocab_size'"});

  ModelDir m2;
  auto bytes = test::read_bytes(m2.weights_file());
  bytes.resize(bytes.size() / 2);
  test::write_bytes(m2.weights_file(), bytes);
  expect_error([&] { m2.load(); }, ErrorKind::kInvalidModel, {m2.weights_file().string(), "past the data section"});
}

TEST(ModelFiles, Sha256IdentifiesTheFile) {
  ModelDir m;
  const std::string a = m.load().sha256;
  EXPECT_EQ(a, m.load().sha256);
  m.tensors().back().dtype = DType::kF16;
  m.rewrite();
  EXPECT_NE(m.load().sha256, a);
}

}  // namespace
}  // namespace acgs
