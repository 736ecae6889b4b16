#include "model/safetensors.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <limits>

#include "model/float16.h"
#include "model_test_util.h"

namespace acgs {
namespace {

using test::expect_error;

// A file image from raw header text and a data section (how the hostile cases are built).
std::vector<uint8_t> image(const std::string& header, size_t data_bytes, uint64_t claimed_len = UINT64_MAX) {
  const uint64_t len = claimed_len == UINT64_MAX ? header.size() : claimed_len;
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(len >> (8 * i));
  std::copy(header.begin(), header.end(), out.begin() + 8);
  return out;
}

void expect_bad(const std::vector<uint8_t>& bytes, const std::vector<std::string>& needles) {
  expect_error([&] { SafetensorsView(bytes, "/m/model.safetensors"); }, ErrorKind::kInvalidModel, needles);
}

TEST(Safetensors, F32RoundTripAndLayout) {
  const std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  const std::vector<float> b = {42.0f};
  const auto bytes = serialize_safetensors({{"a", {2, 3}, a, DType::kF32}, {"b.bias", {1}, b, DType::kF32}});
  // Header length is a multiple of 8 so the data section (and F32 tensors) stay aligned.
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + header_len + 4 * 7);

  const SafetensorsView view(bytes, "mem");
  ASSERT_EQ(view.tensors().size(), 2u);
  const TensorInfo* ta = view.find("a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ta->dtype, DType::kF32);
  EXPECT_EQ(view.to_f32(*ta), a);
  EXPECT_EQ(view.to_f32(*view.find("b.bias")), b);
  EXPECT_EQ(view.find("nope"), nullptr);
}

TEST(Safetensors, F16AndBF16RoundTrip) {
  std::vector<float> values;
  for (int i = -50; i <= 50; ++i) values.push_back(static_cast<float>(i) * 0.37f);
  values.push_back(65504.0f);
  values.push_back(6.1e-5f);
  values.push_back(1e-7f);  // half subnormal
  const auto bytes = serialize_safetensors({{"h", {static_cast<int64_t>(values.size())}, values, DType::kF16},
                                            {"b", {static_cast<int64_t>(values.size())}, values, DType::kBF16}});
  const SafetensorsView view(bytes, "mem");
  const auto h = view.to_f32(*view.find("h"));
  const auto b = view.to_f32(*view.find("b"));
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(h[i], f16_to_f32(f32_to_f16(values[i])));
    EXPECT_NEAR(h[i], values[i], std::max(std::abs(values[i]) * 1e-3f, 6e-8f));
    EXPECT_EQ(b[i], bf16_to_f32(f32_to_bf16(values[i])));
    EXPECT_NEAR(b[i], values[i], std::abs(values[i]) * 4e-3f);
  }
}

TEST(Float16, EveryHalfRoundTripsExactly) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    const float f = f16_to_f32(h);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    EXPECT_EQ(f32_to_f16(f), h) << std::hex << bits;
    EXPECT_EQ(f32_to_bf16(bf16_to_f32(h)), h) << std::hex << bits;
  }
}

TEST(Float16, RoundsToNearestEven) {
  EXPECT_EQ(f16_to_f32(1), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie -> even (down)
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie -> even (up)
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);                          // rounds to inf
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie with 0 -> 0
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32_to_f16(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // tie -> even (down)
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
}

TEST(Safetensors, MetadataIgnoredAndEmptyTensorsAllowed) {
  const std::string header = R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("e":{"dtype":"F16","shape":[0,5],"data_offsets":[8,8]}})";
  const SafetensorsView view(image(header, 8), "mem");
  EXPECT_EQ(view.tensors().size(), 2u);
  EXPECT_EQ(view.find("__metadata__"), nullptr);
  EXPECT_TRUE(view.to_f32(*view.find("e")).empty());
}

TEST(Safetensors, NonFloatDtypeParsesButDoesNotConvert) {
  const std::string header = R"({"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]}})";
  const SafetensorsView view(image(header, 24), "/m/model.safetensors");
  expect_error([&] { view.to_f32(*view.find("ids")); }, ErrorKind::kInvalidModel,
               {"/m/model.safetensors", "'ids'", "I64"});
}

TEST(Safetensors, RejectsTruncatedFiles) {
  expect_bad({}, {"/m/model.safetensors", "truncated"});
  expect_bad({1, 2, 3}, {"/m/model.safetensors", "truncated"});
  const std::string header = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  auto bytes = image(header, 16);
  bytes.resize(bytes.size() - 5);  // data cut short
  expect_bad(bytes, {"/m/model.safetensors", "'x'", "past the data section"});
  bytes.resize(8 + header.size() / 2);  // header cut short
  expect_bad(bytes, {"/m/model.safetensors", "truncated", "header length"});
}

TEST(Safetensors, RejectsLyingHeaderLength) {
  expect_bad(image("{}", 0, uint64_t{1} << 62), {"/m/model.safetensors", "header length"});
  expect_bad(image("{}", 0, 0xffffffffffffffffull - 1), {"/m/model.safetensors", "header length"});
  expect_bad(image("{}", 0, 0), {"/m/model.safetensors", "JSON"});
}

TEST(Safetensors, RejectsMalformedHeaders) {
  expect_bad(image("{\"x\": ", 0), {"/m/model.safetensors", "JSON"});
  expect_bad(image("[]", 0), {"/m/model.safetensors", "object"});
  expect_bad(image(R"({"x": 3})", 0), {"'x'", "object"});
  expect_bad(image(R"({"x":{"shape":[1],"data_offsets":[0,4]}})", 4), {"'x'", "dtype"});
  expect_bad(image(R"({"x":{"dtype":"F32","data_offsets":[0,4]}})", 4), {"'x'", "shape"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[1]}})", 4), {"'x'", "data_offsets"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), {"'x'", "data_offsets"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", 4), {"'x'", "data_offsets"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), {"'x'", "shape"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), {"'x'", "shape"});
  expect_bad(image(R"({"x":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4), {"'x'", "rank"});
}

TEST(Safetensors, RejectsUnknownDtype) {
  expect_bad(image(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}})", 4),
             {"/m/model.safetensors", "'w'", "unknown dtype 'F12'"});
  expect_bad(image(R"({"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})", 4), {"'w'", "dtype"});
}

TEST(Safetensors, RejectsOffsetsThatLie) {
  // Span does not match shape x dtype.
  expect_bad(image(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 16),
             {"/m/model.safetensors", "'w'", "16 bytes", "span 12"});
  // end before begin.
  expect_bad(image(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 16), {"'w'", "end before begin"});
  // Past the end of the file.
  expect_bad(image(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 16), {"'w'", "past the data"});
  // Overlapping tensors.
  expect_bad(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   16),
             {"'b'", "overlap", "'a'"});
  // Element count overflows 64 bits.
  expect_bad(image(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
             {"'w'", "overflow"});
  // Element count fits, byte count does not.
  expect_bad(image(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}})", 4), {"'w'", "2^64"});
  // Offsets beyond 2^64 as JSON numbers.
  expect_bad(image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e30]}})", 4), {"'w'", "data_offsets"});
}

TEST(Safetensors, FileRoundTripAndMissingFile) {
  test::TempDir dir;
  const std::vector<float> v = {1, 2, 3, 4};
  write_safetensors(dir / "m.safetensors", {{"t", {2, 2}, v, DType::kF32}});
  const SafetensorsFile file(dir / "m.safetensors");
  EXPECT_EQ(file.view().to_f32(*file.view().find("t")), v);
  EXPECT_EQ(file.view().source(), (dir / "m.safetensors").string());
  expect_error([&] { SafetensorsFile(dir / "absent.safetensors"); }, ErrorKind::kInvalidModel, {"absent.safetensors"});
  expect_error([&] { SafetensorsFile(dir.path()); }, ErrorKind::kInvalidModel, {"regular file"});
  ASSERT_EQ(::mkfifo((dir / "fifo.safetensors").c_str(), 0600), 0);
  expect_error([&] { SafetensorsFile(dir / "fifo.safetensors"); }, ErrorKind::kInvalidModel, {"regular file"});
  test::write_bytes(dir / "empty.safetensors", {});
  expect_error([&] { SafetensorsFile(dir / "empty.safetensors"); }, ErrorKind::kInvalidModel,
               {"empty.safetensors", "truncated"});
}

}  // namespace
}  // namespace acgs
