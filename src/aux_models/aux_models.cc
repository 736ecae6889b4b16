#include "aux_models/aux_models.h"

#include "common/error.h"
#include "model/default_model.h"

namespace acgs::aux {
namespace {

namespace fs = std::filesystem;

fs::path cache_file(const AuxModelSpec& spec, const AuxModelOptions& options) {
  const fs::path dir = options.cache_dir ? *options.cache_dir : aux_cache_dir();
  return dir / (spec.file_name + ".seed" + std::to_string(options.seed) + ".json");
}

}  // namespace

const AuxModelSpec& anomaly_detector_spec() {
  static const AuxModelSpec spec{AuxTask::kAnomaly,
                                 "anomaly_detector",
                                 "anomaly_detector.v1",
                                 {{"objective", "binary:logistic"},
                                  {"tree_method", "hist"},
                                  {"num_parallel_tree", "100"},
                                  {"subsample", "0.8"},
                                  {"colsample_bynode", "0.8"},
                                  {"learning_rate", "1"},
                                  {"max_depth", "8"},
                                  {"seed", "7"}},
                                 1};
  return spec;
}

const AuxModelSpec& compliance_classifier_spec() {
  static const AuxModelSpec spec{AuxTask::kCompliance,
                                 "compliance_classifier",
                                 "compliance_classifier.v1",
                                 {{"objective", "binary:logistic"},
                                  {"tree_method", "hist"},
                                  {"learning_rate", "0.2"},
                                  {"max_depth", "4"},
                                  {"subsample", "0.9"},
                                  {"seed", "7"}},
                                 100};
  return spec;
}

fs::path aux_cache_dir() { return acgs_home() / "aux"; }

TreeClassifier TreeClassifier::train(const AuxModelSpec& spec, uint64_t seed, size_t rows) {
  const Dataset data = synthetic_dataset(spec.task, rows, seed);
  return TreeClassifier(spec.name, XgbModel::train(data, spec.params, spec.rounds), {}, true);
}

TreeClassifier TreeClassifier::open(const AuxModelSpec& spec, const AuxModelOptions& options) {
  if (options.model_file) return TreeClassifier(spec.name, XgbModel::load(*options.model_file), *options.model_file, false);
  const fs::path path = cache_file(spec, options);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    try {
      return TreeClassifier(spec.name, XgbModel::load(path), path, false);
    } catch (const Error&) {
      // A damaged cache entry is ours to rebuild; fall through and retrain over it.
    }
  }
  TreeClassifier trained = train(spec, options.seed);
  trained.model_.save(path);
  trained.source_ = path;
  return trained;
}

float TreeClassifier::predict(const MessageFeatures& features) const { return model_.predict(features.values)[0]; }

std::vector<float> TreeClassifier::predict_batch(std::span<const MessageFeatures> batch) const {
  if (batch.empty()) return {};
  // MessageFeatures is a plain float array, so a span of them is one contiguous row-major matrix.
  static_assert(sizeof(MessageFeatures) == kNumFeatures * sizeof(float));
  return model_.predict(std::span<const float>(batch.front().values.data(), batch.size() * kNumFeatures));
}

double accuracy(const TreeClassifier& model, const Dataset& data) {
  const std::vector<float> p = model.model().predict(data.features);
  size_t correct = 0;
  for (size_t i = 0; i < data.rows; ++i) correct += (p[i] >= 0.5f) == (data.labels[i] >= 0.5f);
  return data.rows ? static_cast<double>(correct) / static_cast<double>(data.rows) : 0.0;
}

}  // namespace acgs::aux
