// Every Unicode scalar value against HF: tools/oracle/unicode_sweep.js runs HF's BertNormalizer (uncased
// and cased flags) and BertPreTokenizer over all code points at test time; our normalizer and
// pre-tokenizer must give the same strings and the same words.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oracle/hf_tokenizers_oracle.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/utf8.h"

namespace acgs::tok {
namespace {

namespace fs = std::filesystem;

std::string to_utf8(std::u32string_view cps) {
  std::string out;
  for (const char32_t cp : cps) append_utf8(out, cp);
  return out;
}

// The chunk unicode_sweep.js builds: each code point of [first, first + 256) followed by "a".
std::string chunk_text(uint32_t first) {
  std::string text;
  for (char32_t cp = first; cp < first + 256u; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    append_utf8(text, cp);
    text += 'a';
  }
  return text;
}

std::u32string to_cps(std::string_view text) {
  std::u32string cps;
  for (const char* p = text.data(); p < text.data() + text.size();) cps += decode_utf8(p);
  return cps;
}

TEST(UnicodeOracle, EveryCodePointNormalizesAndSplitsLikeHf) {
  const fs::path out = fs::path(std::getenv("ACGS_BINARY_DIR")) / "unicode_sweep.jsonl";
  const auto goldens = acgs::test::run_node_oracle("unicode_sweep.js", {out.string()}, out);

  const BertNormalizer uncased({});
  const BertNormalizer cased({.strip_accents = false, .lowercase = false});
  const auto& props = UnicodeProps::get();
  std::u32string normalized, scratch;
  int chunks = 0, failures = 0;
  for (const auto& golden : goldens) {
    if (failures >= 20) break;
    ++chunks;
    const auto first = golden.at("first").get<uint32_t>();
    const std::string text = chunk_text(first);
    for (const auto& [normalizer, key] : {std::pair{&uncased, "uncased"}, std::pair{&cased, "cased"}}) {
      normalizer->normalize(text, normalized, scratch);
      if (to_utf8(normalized) != golden.at(key).get<std::string>()) {
        ADD_FAILURE() << key << " normalization differs in chunk U+" << std::hex << first;
        ++failures;
      }
    }
    std::vector<std::string> words;
    const std::u32string cps = to_cps(text);
    for_each_word(cps, props, [&](std::u32string_view w) {
      words.push_back(to_utf8(w));
      return true;
    });
    if (words != golden.at("pieces").get<std::vector<std::string>>()) {
      ADD_FAILURE() << "pre-tokenization differs in chunk U+" << std::hex << first;
      ++failures;
    }
  }
  EXPECT_EQ(chunks, 4344);  // 0x110000 / 256 chunks, minus the 8 that are all surrogates
}

}  // namespace
}  // namespace acgs::tok
