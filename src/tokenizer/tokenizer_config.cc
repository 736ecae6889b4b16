#include "tokenizer/tokenizer_config.h"

#include <array>
#include <string_view>

#include "tokenizer/json_fields.h"

namespace acgs::tok {
namespace {

using nlohmann::json;

constexpr const char* kHowToFix =
    "fix the file (transformers writes it with save_pretrained) or delete it to use BERT's uncased defaults";

// BertTokenizer and the transformers tokenizers that are BertTokenizer with another name.
constexpr std::array<std::string_view, 4> kBertClasses = {"BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer",
                                                          "DistilBertTokenizerFast"};

// A special token is a string or, in files saved by transformers 4.x, {"__type": "AddedToken", "content": …}.
std::string special_token(const JsonFields& f, const json& root, const char* key, std::string fallback) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  const auto content = f.get_or<std::string>(*it, "content", key, "");
  if (content.empty()) f.bad(key, "is neither a string nor an AddedToken object with a content");
  return content;
}

std::string flag(const std::optional<bool>& value) {
  if (!value) return "null";
  return *value ? "true" : "false";
}

}  // namespace

std::optional<TokenizerConfig> read_tokenizer_config(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "tokenizer_config.json";
  if (!std::filesystem::is_regular_file(path)) return std::nullopt;
  const JsonFields f(path.string(), kHowToFix);
  const json root = f.parse_object();
  TokenizerConfig config;
  config.source = f.source();
  const auto optional_bool = [&](const char* key) -> std::optional<bool> {
    if (!root.contains(key) || root.at(key).is_null()) return std::nullopt;
    return f.get_or(root, key, "tokenizer_config", false);
  };
  config.do_lower_case = optional_bool("do_lower_case");
  config.tokenize_chinese_chars = optional_bool("tokenize_chinese_chars");
  config.states_strip_accents = root.contains("strip_accents");
  config.strip_accents = optional_bool("strip_accents");
  config.unk_token = special_token(f, root, "unk_token", config.unk_token);
  config.sep_token = special_token(f, root, "sep_token", config.sep_token);
  config.pad_token = special_token(f, root, "pad_token", config.pad_token);
  config.cls_token = special_token(f, root, "cls_token", config.cls_token);
  config.mask_token = special_token(f, root, "mask_token", config.mask_token);
  config.tokenizer_class = f.get_or<std::string>(root, "tokenizer_class", "tokenizer_config", "BertTokenizer");
  config.do_basic_tokenize = f.get_or(root, "do_basic_tokenize", "tokenizer_config", true);
  return config;
}

NormalizerOptions vocab_txt_normalizer(const TokenizerConfig& config) {
  const auto refuse = [&](const std::string& field, const std::string& problem) {
    fail(ErrorKind::kInvalidModel, config.source + ": tokenizer_config." + field + " " + problem +
                                       "; acgs-infer builds BERT WordPiece tokenizers from vocab.txt (use a "
                                       "tokenizer.json, or fix the file)");
  };
  bool known = false;
  for (const std::string_view name : kBertClasses) known |= config.tokenizer_class == name;
  if (!known) {
    refuse("tokenizer_class",
           "is \"" + config.tokenizer_class + "\", not a BERT WordPiece tokenizer (BertTokenizer, DistilBertTokenizer)");
  }
  // Without basic tokenization transformers' slow and fast BERT tokenizers split text differently.
  if (!config.do_basic_tokenize) refuse("do_basic_tokenize", "is false, which acgs-infer does not support");
  NormalizerOptions n;
  n.clean_text = true;
  n.lowercase = config.do_lower_case.value_or(true);
  n.handle_chinese_chars = config.tokenize_chinese_chars.value_or(true);
  n.strip_accents = config.strip_accents.value_or(n.lowercase);
  return n;
}

void check_config_agrees(const TokenizerConfig& config, const NormalizerOptions& normalizer,
                         const std::string& tokenizer_json) {
  const auto disagree = [&](const std::string& config_key, const std::optional<bool>& config_value,
                            const std::string& json_key, bool json_value) {
    fail(ErrorKind::kInvalidModel,
         config.source + " says " + config_key + " = " + flag(config_value) + " but " + tokenizer_json +
             " says normalizer." + json_key + " = " + flag(json_value) +
             " (in effect); transformers would follow the first and HF tokenizers/TEI the second, so acgs-infer "
             "refuses to guess: make the two files agree");
  };
  if (config.do_lower_case && *config.do_lower_case != normalizer.lowercase) {
    disagree("do_lower_case", config.do_lower_case, "lowercase", normalizer.lowercase);
  }
  if (config.tokenize_chinese_chars && *config.tokenize_chinese_chars != normalizer.handle_chinese_chars) {
    disagree("tokenize_chinese_chars", config.tokenize_chinese_chars, "handle_chinese_chars",
             normalizer.handle_chinese_chars);
  }
  // A stated null means "strip when lowercasing", judged with the config's own do_lower_case when it has one.
  const bool lowercase = config.do_lower_case.value_or(normalizer.lowercase);
  if (config.states_strip_accents && config.strip_accents.value_or(lowercase) != normalizer.strip_accents) {
    disagree("strip_accents", config.strip_accents, "strip_accents", normalizer.strip_accents);
  }
}

}  // namespace acgs::tok
