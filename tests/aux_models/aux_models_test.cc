#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <xgboost/c_api.h>

#include "aux_models/aux_models.h"
#include "common/error.h"

namespace acgs::aux {
namespace {

namespace fs = std::filesystem;

// A private cache directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("acgs-aux-test-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

const Dataset& held_out(AuxTask task) {
  // A different seed than training: unseen messages from the same rule (with its 3% label noise).
  static const Dataset anomaly = synthetic_dataset(AuxTask::kAnomaly, 4000, 777);
  static const Dataset compliance = synthetic_dataset(AuxTask::kCompliance, 4000, 777);
  return task == AuxTask::kAnomaly ? anomaly : compliance;
}

TEST(SyntheticData, IsDeterministicAndBalancedEnough) {
  const Dataset a = synthetic_dataset(AuxTask::kAnomaly, 5000, 1), b = synthetic_dataset(AuxTask::kAnomaly, 5000, 1);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_NE(a.features, synthetic_dataset(AuxTask::kAnomaly, 5000, 2).features);
  for (AuxTask task : {AuxTask::kAnomaly, AuxTask::kCompliance}) {
    const Dataset d = synthetic_dataset(task, 5000, 1);
    double positives = 0;
    for (float y : d.labels) positives += y;
    // Both classes are well represented, so accuracy is not won by predicting the majority.
    EXPECT_GT(positives / 5000, 0.10);
    EXPECT_LT(positives / 5000, 0.70);
  }
}

TEST(SyntheticData, LabelRulesAtTheirEdges) {
  MessageFeatures f;  // all zero
  EXPECT_FALSE(rule_label(AuxTask::kAnomaly, f));
  f.values = {0, 0.9f, 0.1f, 0.6f, 0, 0.5f, 0.2f, 50, 1, 100001};
  EXPECT_TRUE(rule_label(AuxTask::kAnomaly, f));  // big amount + execute tool
  f.values[9] = 100000;
  EXPECT_FALSE(rule_label(AuxTask::kAnomaly, f));
  // 0.35 + 0.25*0.9 + 0.15*0.5 + 0 + 0.1*0.2 = 0.67 >= 0.5
  MessageFeatures c;
  c.values = {1.0f, 0.9f, 0.1f, 0.2f, 0, 0.5f, 0.2f, 50, 1, 0};
  EXPECT_TRUE(rule_label(AuxTask::kCompliance, c));
  c.values[0] = 0.1f;  // 0.035 + 0.225 + 0.075 + 0.02 = 0.355
  EXPECT_FALSE(rule_label(AuxTask::kCompliance, c));
}

TEST(TreeClassifier, TrainingIsDeterministicAndAccurateOnHeldOutData) {
  for (const AuxModelSpec* spec : {&anomaly_detector_spec(), &compliance_classifier_spec()}) {
    const TreeClassifier a = TreeClassifier::train(*spec, kDefaultTrainingSeed, 4000);
    const TreeClassifier b = TreeClassifier::train(*spec, kDefaultTrainingSeed, 4000);
    const Dataset& test = held_out(spec->task);
    EXPECT_EQ(a.model().predict(test.features), b.model().predict(test.features)) << spec->name;
    // With 3% label noise the best possible accuracy is ~0.97; trees must get close to the rule.
    const double acc = accuracy(a, test);
    EXPECT_GT(acc, 0.90) << spec->name;
    std::printf("%s held-out accuracy: %.4f\n", spec->name.c_str(), acc);
  }
}

TEST(TreeClassifier, CachesAtFirstUseAndReloadsTheSamePredictions) {
  TempDir dir;
  const AuxModelOptions options{.cache_dir = dir.path()};
  const TreeClassifier first = TreeClassifier::open(anomaly_detector_spec(), options);
  EXPECT_TRUE(first.trained_now());
  ASSERT_TRUE(fs::is_regular_file(first.source()));
  EXPECT_EQ(first.source().extension(), ".json");
  std::ifstream in(first.source());
  std::string head(16, '\0');
  in.read(head.data(), 16);
  EXPECT_EQ(head[0], '{') << "the cache is XGBoost JSON";

  const TreeClassifier second = TreeClassifier::open(anomaly_detector_spec(), options);
  EXPECT_FALSE(second.trained_now());
  const Dataset& test = held_out(AuxTask::kAnomaly);
  EXPECT_EQ(first.model().predict(test.features), second.model().predict(test.features));

  // A user's model file is loaded as is.
  const TreeClassifier user =
      TreeClassifier::open(compliance_classifier_spec(), {.model_file = first.source(), .cache_dir = dir.path()});
  EXPECT_EQ(user.source(), first.source());
  EXPECT_EQ(user.model().predict(test.features), first.model().predict(test.features));
}

TEST(TreeClassifier, CorruptCacheIsRetrained) {
  TempDir dir;
  const AuxModelOptions options{.cache_dir = dir.path()};
  const fs::path cached = TreeClassifier::open(compliance_classifier_spec(), options).source();
  std::ofstream(cached, std::ios::trunc) << "{\"learner\": ";
  const TreeClassifier again = TreeClassifier::open(compliance_classifier_spec(), options);
  EXPECT_TRUE(again.trained_now());
  EXPECT_NO_THROW(XgbModel::load(cached));
}

TEST(TreeClassifier, BadUserModelFilesAreClearErrors) {
  TempDir dir;
  auto expect_invalid = [](const fs::path& path, const std::string& needle) {
    try {
      TreeClassifier::open(anomaly_detector_spec(), {.model_file = path});
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
      const std::string msg = e.what();
      EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  expect_invalid(dir.path() / "missing.json", "does not exist");
  std::ofstream(dir.path() / "garbage.json") << "this is not a model";
  expect_invalid(dir.path() / "garbage.json", "could not be loaded");
  std::ofstream(dir.path() / "empty.json");
  expect_invalid(dir.path() / "empty.json", "could not be loaded");
  std::ofstream(dir.path() / "object.json") << "{\"hello\": 1}";
  expect_invalid(dir.path() / "object.json", "could not be loaded");
  // A valid XGBoost model trained on 3 columns instead of ours, made with the C API directly.
  const std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, y = {0, 1, 0, 1};
  DMatrixHandle d = nullptr;
  BoosterHandle b = nullptr;
  ASSERT_EQ(XGDMatrixCreateFromMat(x.data(), 4, 3, NAN, &d), 0);
  ASSERT_EQ(XGDMatrixSetFloatInfo(d, "label", y.data(), 4), 0);
  ASSERT_EQ(XGBoosterCreate(&d, 1, &b), 0);
  ASSERT_EQ(XGBoosterUpdateOneIter(b, 0, d), 0);
  ASSERT_EQ(XGBoosterSaveModel(b, (dir.path() / "three.json").c_str()), 0);
  XGBoosterFree(b);
  XGDMatrixFree(d);
  expect_invalid(dir.path() / "three.json", "expects 3 features");
}

TEST(TreeClassifier, SingleBatchAndConcurrentPredictionsAgree) {
  const TreeClassifier model = TreeClassifier::train(compliance_classifier_spec(), 3, 2000);
  const Dataset& test = held_out(AuxTask::kCompliance);
  std::vector<MessageFeatures> rows(64);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy_n(test.features.begin() + static_cast<std::ptrdiff_t>(i * kNumFeatures), kNumFeatures,
                rows[i].values.begin());
  }
  const std::vector<float> batch = model.predict_batch(rows);
  ASSERT_EQ(batch.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(model.predict(rows[i]), batch[i]) << i;
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 50; ++rep)
        for (size_t i = 0; i < rows.size(); ++i) mismatches += model.predict(rows[i]) != batch[i];
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_THROW(model.model().predict(std::vector<float>(kNumFeatures + 1)), Error);
}

TEST(Features, OrderMatchesTheDocumentedColumns) {
  const auto f = make_features({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, 42, 3, 1234.0);
  EXPECT_FLOAT_EQ(f.values[0], 0.1f);
  EXPECT_FLOAT_EQ(f.values[6], 0.7f);
  EXPECT_EQ(f.values[7], 42);
  EXPECT_EQ(f.values[8], 3);
  EXPECT_EQ(f.values[9], 1234);
  EXPECT_STREQ(feature_names()[9], "amount");
}

}  // namespace
}  // namespace acgs::aux
