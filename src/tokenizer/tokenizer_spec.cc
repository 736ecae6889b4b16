#include "tokenizer/tokenizer_spec.h"

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/tokenizer_config.h"

namespace acgs::tok {
namespace {

using nlohmann::json;

constexpr const char* kHowToFix =
    "acgs-infer reads BERT WordPiece tokenizer.json files (WordPiece model, BertNormalizer, BertPreTokenizer, "
    "BertProcessing) as HF tokenizers writes them";

int32_t token_id(const TokenizerSpec& spec, const std::string& token) {
  for (const auto& [content, id] : spec.added_tokens) {
    if (content == token) return id;
  }
  int32_t found = -1;
  for (const auto& [content, id] : spec.vocab) {
    if (content == token) found = id;  // later duplicates win
  }
  return found;
}

void read_normalizer(const JsonFields& f, TokenizerSpec& spec, const json& normalizer) {
  auto& n = spec.normalizer;
  // No normalizer is BertNormalizer with every step off: the text reaches the pre-tokenizer unchanged.
  if (normalizer.is_null()) {
    n = {.clean_text = false, .handle_chinese_chars = false, .strip_accents = false, .lowercase = false};
    return;
  }
  const auto type = f.get_or<std::string>(normalizer, "type", "normalizer", "");
  if (type != "BertNormalizer") f.bad("normalizer.type", "is \"" + type + "\", not \"BertNormalizer\"");
  n.clean_text = f.get_or(normalizer, "clean_text", "normalizer", true);
  n.handle_chinese_chars = f.get_or(normalizer, "handle_chinese_chars", "normalizer", true);
  n.lowercase = f.get_or(normalizer, "lowercase", "normalizer", true);
  // HF: strip_accents = null follows lowercase.
  n.strip_accents = f.get_or(normalizer, "strip_accents", "normalizer", n.lowercase);
}

void read_model(const JsonFields& f, TokenizerSpec& spec, const json& model) {
  const auto type = f.get_or<std::string>(model, "type", "model", "WordPiece");
  if (type != "WordPiece") f.bad("model.type", "is \"" + type + "\", not \"WordPiece\"");
  auto& w = spec.wordpiece;
  w.unk_token = f.get_or<std::string>(model, "unk_token", "model", "[UNK]");
  w.continuing_subword_prefix = f.get_or<std::string>(model, "continuing_subword_prefix", "model", "##");
  w.max_input_chars_per_word = f.get_or(model, "max_input_chars_per_word", "model", 100);
  if (w.max_input_chars_per_word < 0) f.bad("model.max_input_chars_per_word", "is negative");
  const json& vocab = f.member(model, "vocab", "model");
  if (!vocab.is_object() || vocab.empty()) f.bad("model.vocab", "is not a non-empty object");
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= INT32_MAX) {
      f.bad("model.vocab[\"" + token + "\"]", "is not a valid token id");
    }
    spec.vocab.emplace_back(token, id.get<int32_t>());
  }
}

void read_added_tokens(const JsonFields& f, TokenizerSpec& spec, const json& added) {
  if (added.is_null()) return;
  if (!added.is_array()) f.bad("added_tokens", "is not an array");
  for (size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    const json& t = added[i];
    const auto content = f.get_or<std::string>(t, "content", where, "");
    const auto id = f.get_or<int64_t>(t, "id", where, -1);
    if (content.empty() || id < 0 || id >= INT32_MAX) f.bad(where, "needs a non-empty content and an id");
    for (const char* flag : {"single_word", "lstrip", "rstrip", "normalized"}) {
      if (f.get_or(t, flag, where, false)) {
        f.bad(where + "." + flag, "is true, which acgs-infer does not support (only plain special tokens)");
      }
    }
    spec.added_tokens.emplace_back(content, static_cast<int32_t>(id));
  }
}

// The id of the special token in a post-processor entry like ["[CLS]", 101].
int32_t pair_id(const JsonFields& f, const json& entry, const std::string& where) {
  if (!entry.is_array() || entry.size() != 2 || !entry[1].is_number_integer()) {
    f.bad(where, "is not a [token, id] pair");
  }
  return entry[1].get<int32_t>();
}

// TemplateProcessing "single" must be exactly [SpecialToken, Sequence A, SpecialToken].
int32_t template_special(const JsonFields& f, const json& processor, const json& piece, const std::string& where) {
  const auto name = f.get_or<std::string>(f.member(piece, "SpecialToken", where), "id", where, "");
  const json& ids = f.member(f.member(f.member(processor, "special_tokens", "post_processor"),
                                        name.c_str(), "post_processor.special_tokens"),
                           "ids", "post_processor.special_tokens." + name);
  if (!ids.is_array() || ids.size() != 1 || !ids[0].is_number_integer()) {
    f.bad("post_processor.special_tokens." + name + ".ids", "is not a single id");
  }
  return ids[0].get<int32_t>();
}

void read_post_processor(const JsonFields& f, TokenizerSpec& spec, const json& processor) {
  const auto type = f.get_or<std::string>(processor, "type", "post_processor", "");
  if (type == "BertProcessing") {
    spec.cls_id = pair_id(f, f.member(processor, "cls", "post_processor"), "post_processor.cls");
    spec.sep_id = pair_id(f, f.member(processor, "sep", "post_processor"), "post_processor.sep");
  } else if (type == "TemplateProcessing") {
    const json& single = f.member(processor, "single", "post_processor");
    if (!single.is_array() || single.size() != 3 || !single[1].contains("Sequence")) {
      f.bad("post_processor.single", "is not \"[CLS] $A [SEP]\"");
    }
    spec.cls_id = template_special(f, processor, single[0], "post_processor.single[0]");
    spec.sep_id = template_special(f, processor, single[2], "post_processor.single[2]");
  } else {
    f.bad("post_processor.type", "is \"" + type + "\", not BertProcessing or TemplateProcessing");
  }
}

}  // namespace

TokenizerSpec load_tokenizer_json(const std::filesystem::path& path) {
  const JsonFields f(path.string(), kHowToFix);
  const json root = f.parse_object();
  TokenizerSpec spec;
  spec.source = f.source();
  read_model(f, spec, f.member(root, "model", "tokenizer"));
  read_normalizer(f, spec, f.member(root, "normalizer", "tokenizer"));
  const auto pre = f.get_or<std::string>(f.member(root, "pre_tokenizer", "tokenizer"), "type", "pre_tokenizer", "");
  if (pre != "BertPreTokenizer") f.bad("pre_tokenizer.type", "is \"" + pre + "\", not \"BertPreTokenizer\"");
  read_added_tokens(f, spec, root.value("added_tokens", json()));
  read_post_processor(f, spec, f.member(root, "post_processor", "tokenizer"));
  const json padding = root.value("padding", json());
  const int32_t pad = token_id(spec, "[PAD]");
  spec.pad_id = padding.is_object() ? f.get_or(padding, "pad_id", "padding", pad >= 0 ? pad : 0) : (pad >= 0 ? pad : 0);
  if (const auto config = read_tokenizer_config(path.parent_path())) {
    check_config_agrees(*config, spec.normalizer, spec.source);
  }
  return spec;
}

TokenizerSpec load_vocab_txt(const std::filesystem::path& path) {
  TokenizerSpec spec;
  spec.source = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::kInvalidModel, "cannot open tokenizer file " + spec.source +
                                       "; pass a model directory holding tokenizer.json or vocab.txt");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  size_t start = 0;
  for (int32_t id = 0; start < text.size(); ++id) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    // HF trims trailing whitespace (trim_end); vocab tokens never end in whitespace.
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    spec.vocab.emplace_back(std::string(line), id);
    start = end + 1;
  }
  if (spec.vocab.empty()) fail(ErrorKind::kInvalidModel, spec.source + ": the vocabulary is empty");
  const TokenizerConfig config = read_tokenizer_config(path.parent_path()).value_or(TokenizerConfig{});
  spec.normalizer = vocab_txt_normalizer(config);
  spec.wordpiece.unk_token = config.unk_token;
  // What transformers' BertConverter adds: the special tokens the vocabulary has, matched on the raw text.
  for (const auto* special : {&config.unk_token, &config.sep_token, &config.cls_token, &config.pad_token,
                              &config.mask_token}) {
    const int32_t id = token_id(spec, *special);
    if (id >= 0) spec.added_tokens.emplace_back(*special, id);
  }
  spec.cls_id = token_id(spec, config.cls_token);
  spec.sep_id = token_id(spec, config.sep_token);
  const int32_t pad = token_id(spec, config.pad_token);
  spec.pad_id = pad >= 0 ? pad : 0;
  if (spec.cls_id < 0 || spec.sep_id < 0) {
    fail(ErrorKind::kInvalidModel, spec.source + ": the classifier token \"" + config.cls_token +
                                       "\" or the separator \"" + config.sep_token +
                                       "\" is not in the vocabulary; use a BERT vocab.txt (or fix cls_token / "
                                       "sep_token in tokenizer_config.json)");
  }
  return spec;
}

}  // namespace acgs::tok
