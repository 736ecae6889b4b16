#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <limits>

#include "common/error.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer_spec.h"
#include "tokenizer/utf8.h"
#include "tokenizer/wordpiece.h"

namespace acgs {
namespace {

// Reused buffers for one encode call (or one batch): no allocation per char or per word once warm.
struct Scratch {
  std::u32string normalized;
  std::u32string decomposed;
  std::string word;
  std::vector<uint32_t> bounds;
};

void check_max_length(int max_length) {
  if (max_length < 0 || max_length == 1) {
    fail(ErrorKind::kInvalidArgument, "max_length " + std::to_string(max_length) +
                                          " is invalid: use 0 for no truncation or at least 2 ([CLS] and [SEP])");
  }
}

}  // namespace

struct Tokenizer::Impl {
  explicit Impl(const tok::TokenizerSpec& spec)
      : normalizer(spec.normalizer),
        wordpiece(spec.vocab, spec.wordpiece, spec.source),
        cls_id(spec.cls_id),
        sep_id(spec.sep_id),
        pad_id(spec.pad_id) {
    for (const auto& [token, id] : spec.vocab) vocab_size = std::max(vocab_size, id + 1);
    for (const auto& [token, id] : spec.added_tokens) {
      added.add(token, id);
      vocab_size = std::max(vocab_size, id + 1);
    }
    for (const int32_t id : {cls_id, sep_id, pad_id}) {
      if (id < 0 || id >= vocab_size) {
        fail(ErrorKind::kInvalidModel, spec.source + ": special token id " + std::to_string(id) +
                                           " is outside the vocabulary (size " + std::to_string(vocab_size) + ")");
      }
    }
  }

  void encode(std::string_view text, int max_length, Scratch& scratch, std::vector<int32_t>& ids) const;
  // Appends the word pieces of one stretch of text (no added tokens inside) until ids reaches limit.
  bool encode_text(std::string_view text, size_t limit, Scratch& scratch, std::vector<int32_t>& ids) const;

  tok::BertNormalizer normalizer;
  tok::WordPiece wordpiece;
  tok::AddedTokens added;
  int32_t cls_id, sep_id, pad_id;
  int32_t vocab_size = 0;
};

bool Tokenizer::Impl::encode_text(std::string_view text, size_t limit, Scratch& scratch,
                                  std::vector<int32_t>& ids) const {
  const auto& props = tok::UnicodeProps::get();
  normalizer.normalize(text, scratch.normalized, scratch.decomposed);
  return tok::for_each_word(scratch.normalized, props, [&](std::u32string_view word) {
    scratch.word.clear();
    scratch.bounds.clear();
    for (const char32_t cp : word) {
      scratch.bounds.push_back(static_cast<uint32_t>(scratch.word.size()));
      tok::append_utf8(scratch.word, cp);
    }
    scratch.bounds.push_back(static_cast<uint32_t>(scratch.word.size()));
    wordpiece.tokenize(scratch.word, scratch.bounds, ids);
    return ids.size() < limit;
  });
}

void Tokenizer::Impl::encode(std::string_view text, int max_length, Scratch& scratch,
                             std::vector<int32_t>& ids) const {
  check_max_length(max_length);
  tok::validate_utf8(text);
  // HF truncates the word pieces to max_length - 2 and then adds [CLS] and [SEP]; truncation keeps a
  // prefix, so we can stop tokenizing once the budget is reached.
  const size_t limit = max_length > 0 ? static_cast<size_t>(max_length) - 1 : std::numeric_limits<size_t>::max();
  ids.clear();
  ids.push_back(cls_id);
  if (added.empty()) {
    encode_text(text, limit, scratch, ids);
  } else {
    added.split(
        text, [&](std::string_view part) { return encode_text(part, limit, scratch, ids); },
        [&](int32_t id) {
          ids.push_back(id);
          return ids.size() < limit;
        });
  }
  if (ids.size() > limit) ids.resize(limit);
  ids.push_back(sep_id);
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Tokenizer Tokenizer::from_file(const std::filesystem::path& path) {
  const bool is_json = path.extension() == ".json";
  return Tokenizer(std::make_unique<Impl>(is_json ? tok::load_tokenizer_json(path) : tok::load_vocab_txt(path)));
}

Tokenizer Tokenizer::from_dir(const std::filesystem::path& dir) {
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    if (std::filesystem::is_regular_file(dir / name)) return from_file(dir / name);
  }
  fail(ErrorKind::kInvalidModel, "no tokenizer.json or vocab.txt in " + dir.string() +
                                     "; point --model at a HF model directory (or run `acgs-infer synth`)");
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, int max_length) const {
  Scratch scratch;
  std::vector<int32_t> ids;
  impl_->encode(text, max_length, scratch, ids);
  return ids;
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const std::string> texts, int max_length,
                                              Padding padding) const {
  check_max_length(max_length);
  if (padding == Padding::kMaxLength && max_length == 0) {
    fail(ErrorKind::kInvalidArgument, "padding to max_length needs a max_length > 0");
  }
  Scratch scratch;
  std::vector<Encoding> out(texts.size());
  size_t longest = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    impl_->encode(texts[i], max_length, scratch, out[i].ids);
    longest = std::max(longest, out[i].ids.size());
  }
  const size_t target = padding == Padding::kLongest     ? longest
                        : padding == Padding::kMaxLength ? static_cast<size_t>(max_length)
                                                         : 0;
  for (auto& e : out) {
    e.attention_mask.assign(e.ids.size(), 1);
    if (e.ids.size() < target) {
      e.attention_mask.resize(target, 0);
      e.ids.resize(target, impl_->pad_id);
    }
  }
  return out;
}

TokenBatch Tokenizer::encode_packed(std::span<const std::string> texts, int max_length) const {
  check_max_length(max_length);
  Scratch scratch;
  std::vector<int32_t> ids;
  TokenBatch batch;
  for (const auto& text : texts) {
    impl_->encode(text, max_length, scratch, ids);
    batch.add(ids);
  }
  return batch;
}

int Tokenizer::vocab_size() const { return impl_->vocab_size; }
int32_t Tokenizer::cls_id() const { return impl_->cls_id; }
int32_t Tokenizer::sep_id() const { return impl_->sep_id; }
int32_t Tokenizer::pad_id() const { return impl_->pad_id; }
int32_t Tokenizer::unk_id() const { return impl_->wordpiece.unk_id(); }

}  // namespace acgs
