#include "tokenizer/tokenizer_spec.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace acgs::tok {
namespace {

using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::kInvalidModel, "cannot open tokenizer file " + path.string() +
                                       "; pass a model directory holding tokenizer.json or vocab.txt");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

[[noreturn]] void bad(const TokenizerSpec& spec, const std::string& field, const std::string& problem) {
  fail(ErrorKind::kInvalidModel, spec.source + ": " + field + " " + problem +
                                     "; acgs-infer reads BERT WordPiece tokenizers as written by HF tokenizers");
}

const json& member(const TokenizerSpec& spec, const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) bad(spec, where + "." + key, "is missing");
  return object.at(key);
}

template <class T>
T get_or(const TokenizerSpec& spec, const json& object, const char* key, const std::string& where, T fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    bad(spec, where + "." + key, "has the wrong type");
  }
}

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

void read_normalizer(TokenizerSpec& spec, const json& normalizer) {
  if (get_or<std::string>(spec, normalizer, "type", "normalizer", "") != "BertNormalizer") {
    bad(spec, "normalizer.type", "is not \"BertNormalizer\"");
  }
  auto& n = spec.normalizer;
  n.clean_text = get_or(spec, normalizer, "clean_text", "normalizer", true);
  n.handle_chinese_chars = get_or(spec, normalizer, "handle_chinese_chars", "normalizer", true);
  n.lowercase = get_or(spec, normalizer, "lowercase", "normalizer", true);
  // HF: strip_accents = null follows lowercase.
  n.strip_accents = get_or(spec, normalizer, "strip_accents", "normalizer", n.lowercase);
}

void read_model(TokenizerSpec& spec, const json& model) {
  if (get_or<std::string>(spec, model, "type", "model", "WordPiece") != "WordPiece") {
    bad(spec, "model.type", "is not \"WordPiece\"");
  }
  auto& w = spec.wordpiece;
  w.unk_token = get_or<std::string>(spec, model, "unk_token", "model", "[UNK]");
  w.continuing_subword_prefix = get_or<std::string>(spec, model, "continuing_subword_prefix", "model", "##");
  w.max_input_chars_per_word = get_or(spec, model, "max_input_chars_per_word", "model", 100);
  if (w.max_input_chars_per_word < 0) bad(spec, "model.max_input_chars_per_word", "is negative");
  const json& vocab = member(spec, model, "vocab", "model");
  if (!vocab.is_object() || vocab.empty()) bad(spec, "model.vocab", "is not a non-empty object");
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= INT32_MAX) {
      bad(spec, "model.vocab[\"" + token + "\"]", "is not a valid token id");
    }
    spec.vocab.emplace_back(token, id.get<int32_t>());
  }
}

void read_added_tokens(TokenizerSpec& spec, const json& added) {
  if (added.is_null()) return;
  if (!added.is_array()) bad(spec, "added_tokens", "is not an array");
  for (size_t i = 0; i < added.size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    const json& t = added[i];
    const auto content = get_or<std::string>(spec, t, "content", where, "");
    const auto id = get_or<int64_t>(spec, t, "id", where, -1);
    if (content.empty() || id < 0 || id >= INT32_MAX) bad(spec, where, "needs a non-empty content and an id");
    for (const char* flag : {"single_word", "lstrip", "rstrip", "normalized"}) {
      if (get_or(spec, t, flag, where, false)) {
        bad(spec, where + "." + flag, "is true, which acgs-infer does not support (only plain special tokens)");
      }
    }
    spec.added_tokens.emplace_back(content, static_cast<int32_t>(id));
  }
}

// The id of the special token in a post-processor entry like ["[CLS]", 101].
int32_t pair_id(const TokenizerSpec& spec, const json& entry, const std::string& where) {
  if (!entry.is_array() || entry.size() != 2 || !entry[1].is_number_integer()) {
    bad(spec, where, "is not a [token, id] pair");
  }
  return entry[1].get<int32_t>();
}

// TemplateProcessing "single" must be exactly [SpecialToken, Sequence A, SpecialToken].
int32_t template_special(const TokenizerSpec& spec, const json& processor, const json& piece, const std::string& where) {
  const auto name = get_or<std::string>(spec, member(spec, piece, "SpecialToken", where), "id", where, "");
  const json& ids = member(spec, member(spec, member(spec, processor, "special_tokens", "post_processor"),
                                        name.c_str(), "post_processor.special_tokens"),
                           "ids", "post_processor.special_tokens." + name);
  if (!ids.is_array() || ids.size() != 1 || !ids[0].is_number_integer()) {
    bad(spec, "post_processor.special_tokens." + name + ".ids", "is not a single id");
  }
  return ids[0].get<int32_t>();
}

void read_post_processor(TokenizerSpec& spec, const json& processor) {
  const auto type = get_or<std::string>(spec, processor, "type", "post_processor", "");
  if (type == "BertProcessing") {
    spec.cls_id = pair_id(spec, member(spec, processor, "cls", "post_processor"), "post_processor.cls");
    spec.sep_id = pair_id(spec, member(spec, processor, "sep", "post_processor"), "post_processor.sep");
  } else if (type == "TemplateProcessing") {
    const json& single = member(spec, processor, "single", "post_processor");
    if (!single.is_array() || single.size() != 3 || !single[1].contains("Sequence")) {
      bad(spec, "post_processor.single", "is not \"[CLS] $A [SEP]\"");
    }
    spec.cls_id = template_special(spec, processor, single[0], "post_processor.single[0]");
    spec.sep_id = template_special(spec, processor, single[2], "post_processor.single[2]");
  } else {
    bad(spec, "post_processor.type", "is \"" + type + "\", not BertProcessing or TemplateProcessing");
  }
}

}  // namespace

TokenizerSpec load_tokenizer_json(const std::filesystem::path& path) {
  TokenizerSpec spec;
  spec.source = path.string();
  json root;
  try {
    root = json::parse(read_file(path));
  } catch (const json::parse_error& e) {
    fail(ErrorKind::kInvalidModel, spec.source + ": not valid JSON (" + e.what() + ")");
  }
  if (!root.is_object()) bad(spec, "the top level", "is not a JSON object");
  read_model(spec, member(spec, root, "model", "tokenizer"));
  read_normalizer(spec, member(spec, root, "normalizer", "tokenizer"));
  const json& pre = member(spec, root, "pre_tokenizer", "tokenizer");
  if (get_or<std::string>(spec, pre, "type", "pre_tokenizer", "") != "BertPreTokenizer") {
    bad(spec, "pre_tokenizer.type", "is not \"BertPreTokenizer\"");
  }
  read_added_tokens(spec, root.value("added_tokens", json()));
  read_post_processor(spec, member(spec, root, "post_processor", "tokenizer"));
  const json padding = root.value("padding", json());
  const int32_t pad = token_id(spec, "[PAD]");
  spec.pad_id = padding.is_object() ? get_or(spec, padding, "pad_id", "padding", pad >= 0 ? pad : 0) : (pad >= 0 ? pad : 0);
  return spec;
}

TokenizerSpec load_vocab_txt(const std::filesystem::path& path) {
  TokenizerSpec spec;
  spec.source = path.string();
  const std::string text = read_file(path);
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
  for (const char* special : {"[UNK]", "[SEP]", "[CLS]", "[PAD]", "[MASK]"}) {
    const int32_t id = token_id(spec, special);
    if (id >= 0) spec.added_tokens.emplace_back(special, id);
  }
  spec.cls_id = token_id(spec, "[CLS]");
  spec.sep_id = token_id(spec, "[SEP]");
  const int32_t pad = token_id(spec, "[PAD]");
  spec.pad_id = pad >= 0 ? pad : 0;
  if (spec.cls_id < 0 || spec.sep_id < 0) {
    fail(ErrorKind::kInvalidModel, spec.source + ": [CLS] or [SEP] is not in the vocabulary; use a BERT vocab.txt");
  }
  return spec;
}

}  // namespace acgs::tok
