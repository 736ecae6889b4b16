// The packed-weight allocator: big blocks start on a 2 MiB boundary (so transparent huge pages can back
// them), small ones come from operator new, and vectors using it behave like any vector.
#include "backend/cpu/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace acgs::cpu {
namespace {

constexpr size_t kTwoMiB = size_t(2) << 20;

TEST(HugePageAllocator, BlocksOfTwoMiBOrMoreAreTwoMiBAligned) {
  for (size_t bytes : {kTwoMiB, kTwoMiB + 1, 3 * kTwoMiB + 12345}) {
    void* p = allocate_huge_page_aligned(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kTwoMiB, 0u) << bytes;
    static_cast<char*>(p)[bytes - 1] = 1;  // the whole block is usable
    free_huge_page_aligned(p, bytes);
  }
}

TEST(HugePageAllocator, VectorsKeepTheirContentsThroughGrowth) {
  std::vector<float, HugePageAllocator<float>> v(10);
  std::iota(v.begin(), v.end(), 0.0f);
  v.resize(kTwoMiB);  // moves from an operator-new block to a 2 MiB-aligned one
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kTwoMiB, 0u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(v[i], float(i));
  EXPECT_EQ(v.back(), 0.0f);
  v.assign(3, 7.0f);
  v.shrink_to_fit();
  EXPECT_EQ(v, (std::vector<float, HugePageAllocator<float>>{7.0f, 7.0f, 7.0f}));
}

}  // namespace
}  // namespace acgs::cpu
