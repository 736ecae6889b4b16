#pragma once
// What a sentence-transformers model directory says about turning token states into one embedding:
// modules.json (Transformer, then Pooling, then optionally Normalize), the Pooling module's config.json
// and sentence_bert_config.json's max_seq_length. These are the defaults `embed`, `serve` and the Python
// module use when the caller does not choose.
#include <filesystem>
#include <string>

namespace acgs {

struct SentenceConfig {
  bool declared = false;          // the directory holds modules.json
  std::string pooling = "mean";   // "mean" | "cls" | "max"
  // Whether prompt tokens count in the pooling. We never prepend a prompt, so both values give the same
  // result; it is read (and must be a boolean) so that a model saying false is not mistaken for broken.
  bool include_prompt = true;
  bool normalize = false;         // a Normalize module follows the pooling
  int max_seq_length = 0;         // sentence_bert_config.json; 0 = not declared
};

// The defaults of `dir`: {declared = false} without modules.json. Throws Error(kInvalidModel) naming the
// file and field for anything we would have to approximate: a module other than Transformer, Pooling and
// Normalize (Dense, ...), a pooling mode other than exactly one of cls / mean / max, a
// word_embedding_dimension other than `dim`, or malformed JSON.
SentenceConfig load_sentence_config(const std::filesystem::path& dir, int dim);

// Writes modules.json, 1_Pooling/config.json, sentence_bert_config.json (and 2_Normalize/ when normalize)
// as sentence-transformers 2.x saves them.
void save_sentence_config(const SentenceConfig& config, int dim, const std::filesystem::path& dir);

}  // namespace acgs
