#pragma once
// The two tree models of the seed's GPU decision matrix, for real:
//   anomaly_detector       a random forest: XGBoost forest mode (one round of num_parallel_tree trees,
//                          row subsample and column sampling per node, learning rate 1)
//   compliance_classifier  gradient-boosted trees
// Each is trained at first use on synthetic_data.h's deterministic data set and cached as XGBoost JSON in
// ${ACGS_HOME:-${XDG_CACHE_HOME:-~/.cache}/acgs-infer}/aux/, or loaded from a user's XGBoost model file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "aux_models/features.h"
#include "aux_models/synthetic_data.h"
#include "aux_models/xgb_model.h"

namespace acgs::aux {

struct AuxModelSpec {
  AuxTask task;
  std::string name;       // profiler/metrics name: "anomaly_detector" | "compliance_classifier"
  std::string file_name;  // cache file; versioned so a change of data rule or params retrains
  XgbParams params;
  int rounds;
};

const AuxModelSpec& anomaly_detector_spec();
const AuxModelSpec& compliance_classifier_spec();

inline constexpr uint64_t kDefaultTrainingSeed = 20240601;
inline constexpr size_t kTrainingRows = 8000;

struct AuxModelOptions {
  std::optional<std::filesystem::path> model_file = std::nullopt;  // a user's XGBoost model: load it, never train
  std::optional<std::filesystem::path> cache_dir = std::nullopt;   // default: aux_cache_dir()
  uint64_t seed = kDefaultTrainingSeed;             // training data seed (also part of the cache name)
};

// ${ACGS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/acgs-infer}/aux
std::filesystem::path aux_cache_dir();

class TreeClassifier {
 public:
  // Loads options.model_file, else the cached model, else trains (kTrainingRows rows) and caches it.
  // A corrupt cache file is retrained and replaced; a bad user file is an Error(kInvalidModel).
  static TreeClassifier open(const AuxModelSpec& spec, const AuxModelOptions& options = {});
  // Trains without touching any cache.
  static TreeClassifier train(const AuxModelSpec& spec, uint64_t seed, size_t rows = kTrainingRows);

  const std::string& name() const { return name_; }
  // Where the model came from: the file loaded or written, empty when trained in memory only.
  const std::filesystem::path& source() const { return source_; }
  bool trained_now() const { return trained_now_; }

  // Probability of the positive class (anomalous / needs compliance review).
  float predict(const MessageFeatures& features) const;
  std::vector<float> predict_batch(std::span<const MessageFeatures> batch) const;
  const XgbModel& model() const { return model_; }

 private:
  TreeClassifier(std::string name, XgbModel model, std::filesystem::path source, bool trained_now)
      : name_(std::move(name)), model_(std::move(model)), source_(std::move(source)), trained_now_(trained_now) {}
  std::string name_;
  XgbModel model_;
  std::filesystem::path source_;
  bool trained_now_ = false;
};

// Accuracy of `model` (threshold 0.5) on `data` against its (noisy) labels.
double accuracy(const TreeClassifier& model, const Dataset& data);

}  // namespace acgs::aux
