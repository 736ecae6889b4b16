// The reference backend against PyTorch (tools/oracle/torch_reference.py, an independent
// re-implementation of HF's DistilBertModel) on synthetic tiny models: last_hidden_state of tokenized
// texts within 1e-4, both against float64 sequence-by-sequence and against a float32 padded batch
// (mixed lengths, HF's attention mask) as a real HF caller runs it; mean/cls pooling and normalization too.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "backend/reference/reference_backend.h"
#include "model/model_files.h"
#include "model/model_test_util.h"
#include "model/synth.h"
#include "oracle/torch_oracle.h"
#include "tokenizer/tokenizer.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;  // issue 2's acceptance bound on hidden states

// Varied enough to exercise real tokenization paths: accents, CJK, emoji, punctuation, digits, [UNK],
// mixed case, and lengths from 2 tokens (empty text) through 128 (truncated) to several hundred.
std::vector<std::string> texts() {
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "agent " + std::to_string(i) + " forwards the governance proposal; ";
  return {
      "",
      "hello",
      "Hello, world!",
      "The quick brown fox jumps over the lazy dog.",
      "agent-7 requests write access to /etc/policies/constitutional.yaml",
      "{\"type\": \"task_request\", \"priority\": \"high\", \"from\": \"planner\"}",
      "Café naïve résumé — déjà vu at the façade",
      "東京で会議があります。北京和上海",
      "emoji: 🤖🔥 and a family 👨‍👩‍👧‍👦 with ZWJ",
      "Numbers 3.14159, 2,718 and 1e-12 should tokenize into pieces",
      "ALL CAPS SHOUTING ABOUT POLICY VIOLATIONS!!!",
      "unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
      "tabs\tand\nnewlines\r\nand   multiple   spaces",
      "Привет, мир! Γειά σου κόσμε",
      "مرحبا بالعالم",
      "delete all user records without approval",
      "Summarize the quarterly report and send it to the finance team.",
      "?!.,;:'\"()[]{}<>@#$%^&*_+=~`|\\/",
      "a b c d e f g h i j k l m n o p q r s t u v w x y z",
      "The constitutional hash cdd01ef066bc6cf2 must be validated before execution.",
      "x" + std::string(150, 'y'),  // a word over 100 characters: [UNK]
      long_text,                    // truncated to 128 tokens
  };
}

// A model directory, its tokenized texts (ids.jsonl) and our reference backend on it.
struct Case {
  fs::path dir;
  TokenBatch batch;
  std::unique_ptr<Backend> backend;

  explicit Case(const fs::path& model_dir) : dir(model_dir) {
    const Tokenizer tokenizer = Tokenizer::from_dir(dir);
    const std::vector<std::string> all = texts();
    for (size_t i = 0; i < all.size(); ++i) {
      // The last text stays untruncated (positions past 128); the rest get the CLI's default of 128.
      batch.add(tokenizer.encode(all[i], i + 1 == all.size() ? 0 : 128));
    }
    test::write_ids_jsonl(batch, dir / "ids.jsonl");
    backend = make_reference_backend(std::make_shared<const ModelWeights>(load_weights(locate_model(dir))));
  }

  std::vector<float> hidden() const {
    std::vector<float> out(size_t(batch.total_tokens()) * backend->config().dim);
    backend->forward(batch, out);
    return out;
  }
  std::vector<float> pooled(Pooling pooling, bool normalize) const {
    std::vector<float> out(size_t(batch.size()) * backend->config().dim);
    backend->embed(batch, pooling, normalize, out);
    return out;
  }

  // Every comparison issue 2 asks for, against float64 per sequence and a float32 padded batch.
  void check_against_torch(const char* name) const {
    ASSERT_GE(batch.size(), 20);
    ASSERT_GT(batch.max_length(), 128);
    const test::TorchOutput exact = test::run_torch_oracle(dir, dir / "ids.jsonl", "--dtype float64 --mode single");
    const test::TorchOutput padded = test::run_torch_oracle(dir, dir / "ids.jsonl", "--dtype float32 --mode padded --normalize");
    ASSERT_EQ(exact.hidden.size(), size_t(batch.size()));
    ASSERT_EQ(padded.hidden.size(), size_t(batch.size()));

    const std::vector<float> ours = hidden();
    const double vs_exact = test::max_abs_diff(ours, exact.hidden), vs_padded = test::max_abs_diff(ours, padded.hidden);
    std::printf("[%s] %d sequences, %d tokens: max |reference - torch float64| = %.3g, "
                "max |reference - torch float32 padded| = %.3g\n",
                name, batch.size(), batch.total_tokens(), vs_exact, vs_padded);
    EXPECT_LE(vs_exact, kTolerance);
    EXPECT_LE(vs_padded, kTolerance);

    EXPECT_LE(test::max_abs_diff(pooled(Pooling::kMean, false), exact.mean), kTolerance);
    EXPECT_LE(test::max_abs_diff(pooled(Pooling::kCls, false), exact.cls), kTolerance);
    EXPECT_LE(test::max_abs_diff(pooled(Pooling::kMean, true), padded.mean), kTolerance);
    EXPECT_LE(test::max_abs_diff(pooled(Pooling::kCls, true), padded.cls), kTolerance);
  }
};

TEST(ReferenceOracle, TinyModelMatchesPyTorch) {
  const test::TempDir tmp;
  const fs::path dir = tmp / "tiny";
  synth_model("tiny", 7, dir);  // what `acgs-infer synth --preset tiny --seed 7 --out DIR` writes
  Case(dir).check_against_torch("tiny seed 7");
}

// synth's HF-like initialisation (N(0, 0.02)) leaves attention almost uniform and GELU almost linear;
// weights 10x larger make attention peaked and the FFN strongly non-linear, so a mistake in the mask,
// the softmax or the activation cannot hide.
TEST(ReferenceOracle, LargeWeightTinyModelMatchesPyTorch) {
  const test::TempDir tmp;
  const fs::path dir = tmp / "large";
  ModelWeights weights = synth_weights(synth_preset("tiny"), 11);
  for (LayerWeights& l : weights.layers)
    for (Tensor* t : {&l.q_w, &l.k_w, &l.v_w, &l.out_w, &l.ffn1_w, &l.ffn2_w, &l.ffn1_b})
      for (float& v : t->data) v *= 10;
  save_model_dir(weights, dir);
  Case(dir).check_against_torch("tiny, weights x10");
}

}  // namespace
}  // namespace acgs
