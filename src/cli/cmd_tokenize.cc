#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/jsonl_io.h"
#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace acgs::cli {
namespace {

void append_ids(std::string& out, const std::vector<int32_t>& ids) {
  out += "{\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  out += "]}\n";
}

}  // namespace

void register_tokenize(CLI::App& app) {
  struct Options {
    std::string model;
    int max_length = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Read JSONL {\"text\": ...} from stdin, write one JSONL {\"ids\": [...]} per line "
                  "([CLS] ... [SEP], ids identical to Hugging Face tokenizers)");
  cmd->add_option("--model", opts->model, "model directory with tokenizer.json or vocab.txt")->required();
  cmd->add_option("--max-length", opts->max_length,
                  "truncate to at most N ids including [CLS] and [SEP] (N >= 2); 0 = no truncation")
      ->check(CLI::Validator(
          [](const std::string& value) -> std::string {
            int n = -1;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            const bool ok = ec == std::errc() && end == value.data() + value.size() && (n == 0 || n >= 2);
            return ok ? "" : "must be 0 (no truncation) or an integer >= 2 ([CLS] and [SEP] included)";
          },
          "0 or N>=2"))
      ->capture_default_str();
  cmd->callback([opts] {
    const Tokenizer tokenizer = Tokenizer::from_dir(opts->model);
    std::string line, out;
    for (long line_no = 1; std::getline(std::cin, line); ++line_no) {
      out.clear();
      try {
        append_ids(out, tokenizer.encode(parse_text_line(line, line_no), opts->max_length));
      } catch (const Error& e) {
        out = line_error_json(e.what(), line_no);
        out += '\n';
      }
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
    std::fflush(stdout);
  });
}

}  // namespace acgs::cli
