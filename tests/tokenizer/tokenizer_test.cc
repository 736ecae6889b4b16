// Edge cases of the tokenizer API. Ids of ordinary text are checked against HF in tokenizer_oracle_test;
// here: errors, limits, truncation/padding shape, file variants.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path data_dir() { return fs::path(std::getenv("ACGS_SOURCE_DIR")) / "data/bert-base-uncased"; }

const Tokenizer& uncased() {
  static const Tokenizer tok = Tokenizer::from_file(data_dir() / "tokenizer.json");
  return tok;
}

// A scratch directory under the build tree, fresh per test.
fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(std::getenv("ACGS_BINARY_DIR")) / "tokenizer_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

fs::path write_json_variant(const std::string& name, const std::function<void(json&)>& edit) {
  std::ifstream in(data_dir() / "tokenizer.json");
  json root = json::parse(in);
  edit(root);
  const fs::path path = scratch_dir(name) / "tokenizer.json";
  std::ofstream(path) << root.dump();
  return path;
}

template <class F>
ErrorKind error_kind(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no acgs::Error thrown";
  return ErrorKind::kInternal;
}

TEST(Tokenizer, SpecialIds) {
  EXPECT_EQ(uncased().cls_id(), 101);
  EXPECT_EQ(uncased().sep_id(), 102);
  EXPECT_EQ(uncased().pad_id(), 0);
  EXPECT_EQ(uncased().unk_id(), 100);
  EXPECT_EQ(uncased().vocab_size(), 30522);
}

TEST(Tokenizer, EmptyAndWhitespaceOnly) {
  const std::vector<int32_t> bare{101, 102};
  EXPECT_EQ(uncased().encode(""), bare);
  EXPECT_EQ(uncased().encode(" \t\n\r\u3000\u00a0"), bare);
  EXPECT_EQ(uncased().encode("\u200b\u0000\ufeff"), bare);  // dropped by clean_text
}

TEST(Tokenizer, InvalidUtf8NamesTheOffset) {
  for (const auto& [text, offset] : std::vector<std::pair<std::string, int>>{
           {"abc\xff", 3}, {"\xc0\xaf", 0}, {"ok \xed\xa0\x80", 3}, {"\xe4\xb8", 0}, {"a\x80", 1},
           {"\xf4\x90\x80\x80", 0}, {"\xe2\x82\xac\xe2\x82", 3}}) {
    std::string message;
    EXPECT_EQ(error_kind([&] { uncased().encode(text); }, &message), ErrorKind::kInvalidArgument);
    EXPECT_NE(message.find("byte offset " + std::to_string(offset)), std::string::npos) << message;
  }
}

TEST(Tokenizer, WordsOverOneHundredCharsAreUnknown) {
  EXPECT_EQ(uncased().encode(std::string(101, 'a')), (std::vector<int32_t>{101, 100, 102}));
  EXPECT_GT(uncased().encode(std::string(100, 'a')).size(), 3u);  // split into pieces, not [UNK]
  std::string accented;
  for (int i = 0; i < 101; ++i) accented += "\xc3\xa9";  // 101 chars, 202 bytes: the limit counts chars
  EXPECT_EQ(uncased().encode(accented), (std::vector<int32_t>{101, 100, 102}));
}

TEST(Tokenizer, TruncationKeepsClsAndSep) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "word ";
  const auto full = uncased().encode(text);
  ASSERT_EQ(full.size(), 302u);
  for (int max_length : {2, 3, 16, 128, 302, 400}) {
    const auto ids = uncased().encode(text, max_length);
    ASSERT_EQ(ids.size(), std::min<size_t>(max_length, 302));
    EXPECT_EQ(ids.front(), 101);
    EXPECT_EQ(ids.back(), 102);
    EXPECT_TRUE(std::equal(ids.begin(), ids.end() - 1, full.begin()));
  }
  EXPECT_EQ(error_kind([&] { uncased().encode(text, 1); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(error_kind([&] { uncased().encode(text, -5); }), ErrorKind::kInvalidArgument);
}

TEST(Tokenizer, SpecialTokensInTextAreMatchedRaw) {
  EXPECT_EQ(uncased().encode("a [MASK] b"), (std::vector<int32_t>{101, 1037, 103, 1038, 102}));
  EXPECT_EQ(uncased().encode("[mask]").size(), 5u);  // not special: normalized to "[", "mask", "]"
}

TEST(Tokenizer, PaddingAndPacking) {
  const std::vector<std::string> texts{"a", "a b c d", ""};
  const auto longest = uncased().encode_batch(texts, 0, Padding::kLongest);
  ASSERT_EQ(longest.size(), 3u);
  for (const auto& e : longest) ASSERT_EQ(e.ids.size(), 6u);
  EXPECT_EQ(longest[0].ids, (std::vector<int32_t>{101, 1037, 102, 0, 0, 0}));
  EXPECT_EQ(longest[0].attention_mask, (std::vector<int32_t>{1, 1, 1, 0, 0, 0}));
  const auto fixed = uncased().encode_batch(texts, 4, Padding::kMaxLength);
  EXPECT_EQ(fixed[1].ids, (std::vector<int32_t>{101, 1037, 1038, 102}));
  EXPECT_EQ(fixed[2].attention_mask, (std::vector<int32_t>{1, 1, 0, 0}));
  const auto none = uncased().encode_batch(texts, 0, Padding::kNone);
  EXPECT_EQ(none[2].ids.size(), 2u);
  EXPECT_EQ(error_kind([&] { uncased().encode_batch(texts, 0, Padding::kMaxLength); }),
            ErrorKind::kInvalidArgument);

  const TokenBatch packed = uncased().encode_packed(texts, 4);
  EXPECT_EQ(packed.size(), 3);
  EXPECT_EQ(packed.offsets, (std::vector<int32_t>{0, 3, 7, 9}));
  EXPECT_EQ(packed.ids, (std::vector<int32_t>{101, 1037, 102, 101, 1037, 1038, 102, 101, 102}));
}

TEST(Tokenizer, VocabTxtMatchesTokenizerJson) {
  const Tokenizer from_vocab = Tokenizer::from_file(data_dir() / "vocab.txt");
  for (const char* text : {"Héllo, [MASK] wörld! 東京 unaffable", "", "naïve résumé"}) {
    EXPECT_EQ(from_vocab.encode(text), uncased().encode(text)) << text;
  }
  const fs::path dir = scratch_dir("vocab_only");
  fs::copy_file(data_dir() / "vocab.txt", dir / "vocab.txt");
  EXPECT_EQ(Tokenizer::from_dir(dir).encode("hello"), uncased().encode("hello"));
}

TEST(Tokenizer, CasedTokenizerJsonReadsNormalizerFlags) {
  const Tokenizer cased = Tokenizer::from_file(write_json_variant("cased", [](json& j) {
    j["normalizer"]["lowercase"] = false;
    j["normalizer"]["strip_accents"] = nullptr;  // null follows lowercase: no stripping
  }));
  EXPECT_EQ(cased.encode("hello"), uncased().encode("hello"));
  EXPECT_NE(cased.encode("HELLO"), uncased().encode("HELLO"));
  EXPECT_NE(cased.encode("caf\xc3\xa9"), cased.encode("cafe"));
  EXPECT_EQ(uncased().encode("CAF\xc3\x89"), uncased().encode("cafe"));

  const Tokenizer stripped = Tokenizer::from_file(write_json_variant("strip_only", [](json& j) {
    j["normalizer"]["lowercase"] = false;
    j["normalizer"]["strip_accents"] = true;
  }));
  EXPECT_EQ(stripped.encode("caf\xc3\xa9"), stripped.encode("cafe"));
}

TEST(Tokenizer, TemplateProcessingIsAccepted) {
  const Tokenizer tok = Tokenizer::from_file(write_json_variant("template", [](json& j) {
    j["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
      "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [101], "tokens": ["[CLS]"]},
                         "[SEP]": {"id": "[SEP]", "ids": [102], "tokens": ["[SEP]"]}}})");
  }));
  EXPECT_EQ(tok.encode("hello world"), uncased().encode("hello world"));
}

// tokenizer.json and tokenizer_config.json side by side must agree: transformers follows the config, HF
// tokenizers and TEI follow tokenizer.json.
TEST(Tokenizer, TokenizerConfigMustAgreeWithTokenizerJson) {
  const fs::path agreeing = write_json_variant("config_agrees", [](json&) {});
  std::ofstream(agreeing.parent_path() / "tokenizer_config.json")
      << R"({"do_lower_case": true, "strip_accents": null, "tokenize_chinese_chars": true})";
  EXPECT_EQ(Tokenizer::from_dir(agreeing.parent_path()).encode("Héllo 東京"), uncased().encode("Héllo 東京"));

  std::string message;
  for (const char* config : {R"({"do_lower_case": false})", R"({"tokenize_chinese_chars": false})",
                             R"({"strip_accents": false})", R"({"do_lower_case": false, "strip_accents": null})"}) {
    const fs::path path = write_json_variant("config_disagrees", [](json&) {});
    std::ofstream(path.parent_path() / "tokenizer_config.json") << config;
    EXPECT_EQ(error_kind([&] { Tokenizer::from_file(path); }, &message), ErrorKind::kInvalidModel) << config;
    EXPECT_NE(message.find("tokenizer_config.json says"), std::string::npos) << message;
    EXPECT_NE(message.find("make the two files agree"), std::string::npos) << message;
  }
}

TEST(Tokenizer, TokenizerConfigSpecialTokensAndClass) {
  const fs::path dir = scratch_dir("config_specials");
  fs::copy_file(data_dir() / "vocab.txt", dir / "vocab.txt");
  // transformers 4.x saves special tokens as AddedToken objects.
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"tokenizer_class": "BertTokenizerFast", "cls_token": {"__type": "AddedToken", "content": "[MASK]"}})";
  const Tokenizer tok = Tokenizer::from_dir(dir);
  EXPECT_EQ(tok.cls_id(), 103);
  EXPECT_EQ(tok.sep_id(), 102);
  EXPECT_EQ(tok.encode("hello")[0], 103);

  std::string message;
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "MPNetTokenizer"})";
  EXPECT_EQ(error_kind([&] { Tokenizer::from_dir(dir); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("tokenizer_class is \"MPNetTokenizer\""), std::string::npos) << message;
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_basic_tokenize": false})";
  EXPECT_EQ(error_kind([&] { Tokenizer::from_dir(dir); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("do_basic_tokenize is false"), std::string::npos) << message;
  std::ofstream(dir / "tokenizer_config.json") << R"({"do_lower_case": "yes"})";
  EXPECT_EQ(error_kind([&] { Tokenizer::from_dir(dir); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("do_lower_case has the wrong type"), std::string::npos) << message;
}

TEST(Tokenizer, UnknownPipelineStepsAreRefusedByName) {
  std::string message;
  const auto sequence = write_json_variant("sequence", [](json& j) { j["normalizer"] = {{"type", "Sequence"}}; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(sequence); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("normalizer.type is \"Sequence\", not \"BertNormalizer\""), std::string::npos) << message;
  const auto whitespace = write_json_variant("whitespace", [](json& j) { j["pre_tokenizer"]["type"] = "Whitespace"; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(whitespace); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("pre_tokenizer.type is \"Whitespace\""), std::string::npos) << message;
}

TEST(Tokenizer, BadFilesAreInvalidModelErrors) {
  std::string message;
  EXPECT_EQ(error_kind([] { Tokenizer::from_dir("/nonexistent/model"); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("tokenizer.json or vocab.txt"), std::string::npos);

  const fs::path garbage = scratch_dir("garbage") / "tokenizer.json";
  std::ofstream(garbage) << "{not json";
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(garbage); }), ErrorKind::kInvalidModel);

  const auto bpe = write_json_variant("bpe", [](json& j) { j["model"]["type"] = "BPE"; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(bpe); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("model.type"), std::string::npos) << message;

  const auto no_unk = write_json_variant("no_unk", [](json& j) { j["model"]["unk_token"] = "<unk>"; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(no_unk); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("<unk>"), std::string::npos) << message;

  const auto bad_id = write_json_variant("bad_id", [](json& j) { j["model"]["vocab"]["hello"] = "x"; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(bad_id); }), ErrorKind::kInvalidModel);

  const auto bad_cls = write_json_variant("bad_cls", [](json& j) { j["post_processor"]["cls"][1] = 999999; });
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(bad_cls); }, &message), ErrorKind::kInvalidModel);
  EXPECT_NE(message.find("outside the vocabulary"), std::string::npos) << message;

  const fs::path empty_vocab = scratch_dir("empty_vocab") / "vocab.txt";
  std::ofstream(empty_vocab) << "";
  EXPECT_EQ(error_kind([&] { Tokenizer::from_file(empty_vocab); }), ErrorKind::kInvalidModel);
}

}  // namespace
}  // namespace acgs
