#pragma once
// The weights resident on the device, uploaded once and shared read-only by every execution context.
// T is the compute type (__half or float); see weight_pack.h for the layout.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "backend/cuda/device_memory.h"
#include "model/config.h"

namespace acgs::cuda {

template <typename T>
struct DeviceLayer {
  DeviceBuffer<T> qkv_w, qkv_b, out_w, out_b, ffn1_w, ffn1_b, ffn2_w, ffn2_b;
  DeviceBuffer<float> sa_gamma, sa_beta, out_gamma, out_beta;
};

template <typename T>
struct DeviceModel {
  ModelConfig config;
  DeviceBuffer<T> word, position;
  DeviceBuffer<float> emb_gamma, emb_beta;
  std::vector<DeviceLayer<T>> layers;
};

// Returns the bytes of blob `name`, or throws Error(kInvalidModel) when it is missing or its dtype/shape
// differ from what is asked (a plan written for another model or precision).
using BlobLookup = std::function<std::span<const uint8_t>(const std::string& name, const std::string& dtype,
                                                          const std::vector<int64_t>& shape)>;

template <typename T>
DeviceModel<T> upload_model(const ModelConfig& config, const BlobLookup& lookup);

}  // namespace acgs::cuda
