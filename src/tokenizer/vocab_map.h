#pragma once
// String -> id map for WordPiece lookups: open addressing over one key arena, looked up by string_view
// (no allocation per lookup, unlike std::unordered_map<std::string, ...>).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace acgs::tok {

class VocabMap {
 public:
  // Later inserts of the same key overwrite the id (HF builds its vocab HashMap the same way).
  void insert(std::string_view key, int32_t id);
  // -1 when absent.
  int32_t find(std::string_view key) const;
  size_t size() const { return count_; }
  size_t max_key_bytes() const { return max_key_bytes_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t id = -1;  // -1 = empty
  };
  void grow();
  static uint64_t hash(std::string_view key);

  std::vector<Slot> slots_;
  std::string arena_;
  size_t count_ = 0;
  size_t max_key_bytes_ = 0;
};

}  // namespace acgs::tok
