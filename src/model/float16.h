#pragma once
// IEEE binary16 and bfloat16 <-> fp32 conversions for reading/writing safetensors. Rounding is
// round-to-nearest-even, as PyTorch's `.half()` / `.bfloat16()` do, so files we write match theirs.
#include <cstdint>

namespace acgs {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);

}  // namespace acgs
