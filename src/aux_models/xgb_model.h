#pragma once
// RAII wrapper over one XGBoost booster (C API, Debian libxgboost): train, save/load as XGBoost JSON,
// and in-place prediction of binary:logistic probabilities. Every C API failure becomes an acgs::Error
// carrying XGBoost's own message.
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "aux_models/synthetic_data.h"

namespace acgs::aux {

using XgbParams = std::vector<std::pair<std::string, std::string>>;

class XgbModel {
 public:
  // Trains `rounds` boosting rounds on the data set (single-threaded, so training is bit-reproducible).
  static XgbModel train(const Dataset& data, const XgbParams& params, int rounds);
  // Loads an XGBoost model file (JSON or UBJSON/binary, by content). Throws Error(kInvalidModel) naming the
  // file when it is missing, unreadable, not an XGBoost model, or not trained on kNumFeatures columns.
  static XgbModel load(const std::filesystem::path& path);

  XgbModel(XgbModel&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  XgbModel& operator=(XgbModel&& other) noexcept;
  XgbModel(const XgbModel&) = delete;
  XgbModel& operator=(const XgbModel&) = delete;
  ~XgbModel();

  // Writes XGBoost JSON (the format follows the .json extension), atomically: a temporary file in the
  // same directory renamed into place, so concurrent writers and readers never see half a model.
  void save(const std::filesystem::path& path) const;

  // rows: row-major [n, kNumFeatures]. Returns one probability per row. Thread-safe (XGBoost's in-place
  // prediction keeps per-thread state).
  std::vector<float> predict(std::span<const float> rows) const;

 private:
  explicit XgbModel(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;  // BoosterHandle
};

}  // namespace acgs::aux
