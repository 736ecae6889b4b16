// libFuzzer target for everything that reads model files: config.json parsing, the safetensors header
// and body, and the tensor name/shape mapping onto ModelWeights.
//
// Input layout: 2 bytes little-endian L, L bytes of config.json text, the rest a safetensors image. The
// whole input is also fed to each parser on its own, so inputs that ignore the layout still reach both.
// Any acgs::Error is the expected rejection; every other exception, crash or sanitizer report is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"
#include "model/config.h"
#include "model/model_files.h"
#include "model/safetensors.h"

namespace {

void convert_all(const acgs::SafetensorsView& view) {
  for (const acgs::TensorInfo& t : view.tensors()) {
    if (t.dtype != acgs::DType::kF32 && t.dtype != acgs::DType::kF16 && t.dtype != acgs::DType::kBF16) continue;
    (void)view.to_f32(t);
  }
}

template <class F>
void expect_only_acgs_errors(F&& fn) {
  try {
    fn();
  } catch (const acgs::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  expect_only_acgs_errors([&] { (void)acgs::parse_config(text, "fuzz config.json"); });
  expect_only_acgs_errors([&] { convert_all(acgs::SafetensorsView(bytes, "fuzz.safetensors")); });

  if (size < 2) return 0;
  const size_t config_len = std::min<size_t>(size - 2, data[0] | (size_t{data[1]} << 8));
  const std::string_view config_text = text.substr(2, config_len);
  const auto weights_bytes = bytes.subspan(2 + config_len);
  expect_only_acgs_errors([&] {
    const acgs::ModelConfig config = acgs::parse_config(config_text, "fuzz config.json");
    const acgs::SafetensorsView view(weights_bytes, "fuzz model.safetensors");
    (void)acgs::weights_from_safetensors(config, view, "fuzz config.json");
  });
  return 0;
}
