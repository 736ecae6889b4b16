// Engine plan parsing on hostile bytes: every input must parse or throw acgs::Error, never crash. Inputs
// whose first byte is odd are wrapped into a well-formed prefix with correct checksums (layout in
// plan_format.h), so the fuzzer reaches the header-section decoder instead of stopping at the checksum.
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "plan/plan_format.h"

namespace {

std::vector<uint8_t> sealed(const uint8_t* data, size_t size) {
  using namespace acgs::plan;
  const size_t header_bytes = size / 2;
  const size_t payload_offset = (kPlanPrefixBytes + header_bytes + kPlanAlignment - 1) / kPlanAlignment * kPlanAlignment;
  const uint64_t payload_bytes = size - header_bytes;
  std::vector<uint8_t> file(payload_offset + payload_bytes, 0);
  std::memcpy(file.data(), kPlanMagic, sizeof(kPlanMagic));
  const uint32_t version = kPlanFormatVersion;
  const uint64_t hb = header_bytes;
  std::memcpy(file.data() + 8, &version, 4);
  std::memcpy(file.data() + 16, &hb, 8);
  std::memcpy(file.data() + 24, &payload_bytes, 8);
  std::memcpy(file.data() + kPlanPrefixBytes, data, header_bytes);
  std::memcpy(file.data() + payload_offset, data + header_bytes, payload_bytes);
  std::vector<uint8_t> covered(file.begin(), file.begin() + 32);
  covered.insert(covered.end(), data, data + header_bytes);
  const uint64_t hc = plan_checksum(covered);
  const uint64_t pc = plan_checksum(std::span<const uint8_t>(data + header_bytes, payload_bytes));
  std::memcpy(file.data() + 32, &hc, 8);
  std::memcpy(file.data() + 40, &pc, 8);
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<uint8_t> bytes =
      (data[0] & 1) ? sealed(data + 1, size - 1) : std::vector<uint8_t>(data + 1, data + size);
  try {
    const acgs::plan::PlanData plan = acgs::plan::parse_plan(bytes, "fuzz");
    for (const auto& blob : plan.header.blobs) (void)acgs::plan::blob_bytes(plan, blob);
  } catch (const acgs::Error&) {
  }
  return 0;
}
