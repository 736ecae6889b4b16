#pragma once
// A deterministic TextEmbedder for tests. 2-D unit vectors: every configured keyword maps to (1, 0), so a
// text's max keyword similarity is the cosine of its angle, which the test chooses per text; other texts
// get an angle derived from a hash of the text.
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "common/error.h"
#include "scorer/text_embedder.h"

namespace acgs::test {

class FakeEmbedder final : public TextEmbedder {
 public:
  FakeEmbedder(std::vector<std::string> keywords, std::map<std::string, double> similarity)
      : keywords_(keywords.begin(), keywords.end()), similarity_(std::move(similarity)) {}

  int dim() const override { return 2; }
  std::string name() const override { return "fake"; }
  void embed(std::span<const std::string> texts, std::span<float> out) override {
    ++calls;
    texts_seen += texts.size();
    if (fail_next.exchange(false)) fail(ErrorKind::kUnavailable, "fake embedder failure");
    for (size_t i = 0; i < texts.size(); ++i) {
      const double c = cosine_for(texts[i]);
      out[2 * i] = static_cast<float>(c);
      out[2 * i + 1] = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - c * c)));
    }
  }

  // The float-rounded cosine the scorer will see for `text`.
  double cosine_for(const std::string& text) const {
    if (keywords_.count(text)) return 1.0;
    const auto it = similarity_.find(text);
    const double c =
        it != similarity_.end() ? it->second : static_cast<double>(std::hash<std::string>{}(text) % 1000) / 1000.0;
    return static_cast<float>(c);
  }

  std::atomic<int> calls{0};
  std::atomic<size_t> texts_seen{0};
  std::atomic<bool> fail_next{false};

 private:
  std::set<std::string> keywords_;
  std::map<std::string, double> similarity_;
};

}  // namespace acgs::test
