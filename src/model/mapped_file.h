#pragma once
// A read-only memory map of a whole file (RAII). Weights are read straight from the page cache, so a
// 265 MB checkpoint costs no copy beyond the fp32 conversion.
#include <cstdint>
#include <filesystem>
#include <span>

namespace acgs {

class MappedFile {
 public:
  // Throws Error(kInvalidModel) naming the file if it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace acgs
