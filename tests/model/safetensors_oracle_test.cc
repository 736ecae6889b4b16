// Our safetensors reader and writer against an independent implementation: tests/model/safetensors_oracle.py
// builds files with PyTorch's own F16/BF16 conversions and checks the bytes we write.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

#include "model/model_files.h"
#include "model/safetensors.h"
#include "model/tensor_slots.h"
#include "model_test_util.h"

namespace acgs {
namespace {

std::string oracle() {
  const char* dir = std::getenv("ACGS_SOURCE_DIR");
  return "/usr/bin/python3 " + std::string(dir != nullptr ? dir : ACGS_TEST_SOURCE_DIR) +
         "/tests/model/safetensors_oracle.py";
}

TEST(SafetensorsOracle, ReadsTorchWrittenPrefixedMixedDtypeCheckpoint) {
  test::TempDir dir;
  ASSERT_EQ(std::system((oracle() + " write " + dir.path().string()).c_str()), 0);
  const ModelWeights w = load_weights(locate_model(dir.path()));
  const auto expected = nlohmann::json::parse(test::read_bytes(dir / "expected.json"));
  size_t checked = 0;
  for (const ConstTensorSlot& slot : tensor_slots(w)) {
    ASSERT_TRUE(expected.contains(slot.name)) << slot.name;
    EXPECT_EQ(slot.tensor->data, expected[slot.name].get<std::vector<float>>()) << slot.name;
    ++checked;
  }
  EXPECT_EQ(checked, expected.size());
  EXPECT_EQ(w.config.n_layers, 2);
}

// Values that stress rounding: ties in both formats, half subnormals, overflow to inf, signed zero.
std::vector<float> tricky_values() {
  std::vector<float> v = {0.0f,  -0.0f, 1.0f,  -1.0f,    65504.0f, 65519.0f, 65520.0f, 1e6f,   -1e6f,
                          1e-8f, 3e-8f, 6e-8f, 5.96e-8f, 6.1e-5f,  6.0e-5f,  1e-40f,   3.0e38f};
  for (int k = 1; k < 12; k += 2) {
    v.push_back(1.0f + static_cast<float>(k) * std::ldexp(1.0f, -11));  // f16 ties
    v.push_back(1.0f + static_cast<float>(k) * std::ldexp(1.0f, -8));   // bf16 ties
    v.push_back(std::ldexp(static_cast<float>(k), -25));                // f16 subnormal ties
  }
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-30, 20);
  while (v.size() < 4000) v.push_back(std::ldexp(mant(gen), expo(gen)));
  return v;
}

TEST(SafetensorsOracle, WrittenBytesMatchTorchConversions) {
  test::TempDir dir;
  const std::vector<float> values = tricky_values();
  const auto n = static_cast<int64_t>(values.size());
  write_safetensors(dir / "w.safetensors", {{"as_f32", {n}, values, DType::kF32},
                                            {"as_f16", {n / 4, 4}, values, DType::kF16},
                                            {"as_bf16", {2, n / 2}, values, DType::kBF16}});
  nlohmann::json source;
  for (const char* name : {"as_f32", "as_f16", "as_bf16"}) source[name] = values;
  test::write_text(dir / "source.json", source.dump());
  EXPECT_EQ(
      std::system(
          (oracle() + " check " + (dir / "w.safetensors").string() + " " + (dir / "source.json").string()).c_str()),
      0);
}

}  // namespace
}  // namespace acgs
