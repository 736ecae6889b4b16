#pragma once
// Allocator for the packed weights: every forward pass streams all of them (170 MB fp32 for
// distilbert-base), and on 4 KiB pages that walk costs a TLB miss per page and stops the hardware
// prefetchers at every page boundary. Blocks of 2 MiB or more are aligned to 2 MiB and marked
// MADV_HUGEPAGE, so that Linux backs them with transparent huge pages where it can (THP "madvise" or
// "always"); elsewhere the hint is ignored and the memory behaves like any other.
#include <cstddef>
#include <new>

namespace acgs::cpu {

void* allocate_huge_page_aligned(size_t bytes);
void free_huge_page_aligned(void* p, size_t bytes) noexcept;

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocate_huge_page_aligned(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { free_huge_page_aligned(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace acgs::cpu
