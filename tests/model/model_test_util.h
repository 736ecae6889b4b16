#pragma once
// Helpers shared by the model tests: a self-deleting temp directory, byte I/O, a micro model config and
// an Error matcher that checks the message names what it must.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/config.h"
#include "model/tensor_slots.h"
#include "model/weights.h"

namespace acgs::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "acgs-model-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Small enough that every defect test writes and reads a full model in microseconds.
inline ModelConfig micro_config() {
  ModelConfig c;
  c.vocab_size = 40;
  c.dim = 8;
  c.n_layers = 2;
  c.n_heads = 2;
  c.hidden_dim = 12;
  c.max_position_embeddings = 16;
  return c;
}

// Runs `fn`, expects Error of `kind` whose message contains every string in `needles`.
inline void expect_error(const std::function<void()>& fn, ErrorKind kind, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an acgs::Error";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    for (const auto& needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message lacks '" << needle << "': " << e.what();
  }
}

// Every tensor of `w` has the DistilBERT shape for these sizes.
inline void expect_shapes(const ModelWeights& w, int64_t vocab, int64_t dim, size_t layers, int64_t ffn, int64_t pos) {
  EXPECT_EQ(w.word_embeddings.shape, (std::vector<int64_t>{vocab, dim}));
  EXPECT_EQ(w.position_embeddings.shape, (std::vector<int64_t>{pos, dim}));
  ASSERT_EQ(w.layers.size(), layers);
  for (const auto& l : w.layers) {
    EXPECT_EQ(l.q_w.shape, (std::vector<int64_t>{dim, dim}));
    EXPECT_EQ(l.ffn1_w.shape, (std::vector<int64_t>{ffn, dim}));
    EXPECT_EQ(l.ffn2_w.shape, (std::vector<int64_t>{dim, ffn}));
    EXPECT_EQ(l.out_norm_g.shape, (std::vector<int64_t>{dim}));
  }
  for (const auto& slot : tensor_slots(w))
    EXPECT_EQ(static_cast<int64_t>(slot.tensor->data.size()), slot.tensor->numel()) << slot.name;
}

}  // namespace acgs::test
