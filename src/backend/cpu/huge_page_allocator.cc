#include "backend/cpu/huge_page_allocator.h"

#include <sys/mman.h>

#include <cstdlib>

namespace acgs::cpu {
namespace {

constexpr size_t kHugePage = size_t(2) << 20;

}  // namespace

void* allocate_huge_page_aligned(size_t bytes) {
  if (bytes < kHugePage) return ::operator new(bytes);
  // aligned_alloc wants a size that is a multiple of the alignment; the rounded-up tail is never touched.
  void* p = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint: failure (no THP support) leaves ordinary pages
#endif
  return p;
}

void free_huge_page_aligned(void* p, size_t bytes) noexcept {
  if (bytes < kHugePage) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

}  // namespace acgs::cpu
