#pragma once
// transformers' tokenizer_config.json for a BERT WordPiece tokenizer: the normalizer flags and special-token
// strings BertTokenizer(Fast) takes from it. With only vocab.txt it defines the normalizer (transformers'
// BertConverter); beside a tokenizer.json it must agree with it, because transformers applies the config
// over tokenizer.json while HF tokenizers and TEI read tokenizer.json alone.
#include <filesystem>
#include <optional>
#include <string>

#include "tokenizer/normalizer.h"

namespace acgs::tok {

struct TokenizerConfig {
  std::string source;  // the file, for error messages
  std::optional<bool> do_lower_case;
  std::optional<bool> tokenize_chinese_chars;
  bool states_strip_accents = false;   // the key is present; null means "follow do_lower_case"
  std::optional<bool> strip_accents;
  std::string unk_token = "[UNK]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string cls_token = "[CLS]";
  std::string mask_token = "[MASK]";
  std::string tokenizer_class = "BertTokenizer";
  bool do_basic_tokenize = true;
};

// dir/tokenizer_config.json, or nullopt when there is none. Throws Error(kInvalidModel) naming the field
// when it is malformed.
std::optional<TokenizerConfig> read_tokenizer_config(const std::filesystem::path& dir);

// The BertNormalizer that BertConverter builds beside vocab.txt: absent keys take BertTokenizer's defaults
// (do_lower_case true, tokenize_chinese_chars true, strip_accents null = do_lower_case); clean_text is always
// on. Throws Error(kInvalidModel) when the config is not for BERT WordPiece (tokenizer_class,
// do_basic_tokenize false): only tokenizer.json could say how to tokenize then.
NormalizerOptions vocab_txt_normalizer(const TokenizerConfig& config);

// Throws Error(kInvalidModel) when a flag the config states contradicts tokenizer.json's normalizer.
void check_config_agrees(const TokenizerConfig& config, const NormalizerOptions& normalizer,
                         const std::string& tokenizer_json);

}  // namespace acgs::tok
