#include "aux_models/xgb_model.h"

#include <unistd.h>
#include <xgboost/c_api.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "common/error.h"

namespace acgs::aux {
namespace {

namespace fs = std::filesystem;

// XGBoost's last error without its timestamp prefix and stack trace.
std::string last_error() {
  std::string msg = XGBGetLastError();
  if (const size_t nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
  if (!msg.empty() && msg[0] == '[') {
    if (const size_t close = msg.find("] "); close != std::string::npos) msg.erase(0, close + 2);
  }
  return msg;
}

void check(int rc, const std::string& what, ErrorKind kind = ErrorKind::kInternal) {
  if (rc != 0) fail(kind, what + ": XGBoost: " + last_error());
}

void quiet_xgboost() {
  static std::once_flag once;
  std::call_once(once, [] { XGBSetGlobalConfig(R"({"verbosity": 0})"); });
}

class DMatrix {
 public:
  explicit DMatrix(const Dataset& data) {
    check(XGDMatrixCreateFromMat(data.features.data(), data.rows, kNumFeatures, NAN, &handle_),
          "creating the training matrix");
    check(XGDMatrixSetFloatInfo(handle_, "label", data.labels.data(), data.rows), "setting training labels");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

BoosterHandle create_booster(const DMatrixHandle* cache, bst_ulong n) {
  quiet_xgboost();
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(cache, n, &h), "creating an XGBoost booster");
  return h;
}

}  // namespace

XgbModel& XgbModel::operator=(XgbModel&& other) noexcept {
  if (this != &other) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

XgbModel::~XgbModel() {
  if (handle_) XGBoosterFree(handle_);
}

XgbModel XgbModel::train(const Dataset& data, const XgbParams& params, int rounds) {
  if (data.rows == 0 || data.features.size() != data.rows * kNumFeatures || data.labels.size() != data.rows) {
    fail(ErrorKind::kInvalidArgument, "XGBoost training: the data set is empty or its arrays disagree in size");
  }
  DMatrix matrix(data);
  const DMatrixHandle cache[] = {matrix.get()};
  XgbModel model(create_booster(cache, 1));
  check(XGBoosterSetParam(model.handle_, "nthread", "1"), "setting nthread");
  for (const auto& [key, value] : params) {
    check(XGBoosterSetParam(model.handle_, key.c_str(), value.c_str()), "setting " + key + "=" + value);
  }
  for (int i = 0; i < rounds; ++i) check(XGBoosterUpdateOneIter(model.handle_, i, matrix.get()), "training");
  return model;
}

XgbModel XgbModel::load(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    fail(ErrorKind::kInvalidModel, "XGBoost model " + path.string() +
                                       " does not exist or is not a file; pass an XGBoost model saved with "
                                       "Booster.save_model('model.json')");
  }
  XgbModel model(create_booster(nullptr, 0));
  check(XGBoosterLoadModel(model.handle_, path.c_str()),
        "XGBoost model " + path.string() + " could not be loaded (is it a model saved with save_model?)",
        ErrorKind::kInvalidModel);
  bst_ulong features = 0;
  check(XGBoosterGetNumFeature(model.handle_, &features), "reading the feature count of " + path.string(),
        ErrorKind::kInvalidModel);
  if (features != kNumFeatures) {
    fail(ErrorKind::kInvalidModel, "XGBoost model " + path.string() + " expects " + std::to_string(features) +
                                       " features, but acgs-infer provides " + std::to_string(kNumFeatures) +
                                       " (see aux_models/features.h for the columns); retrain it on those");
  }
  check(XGBoosterSetParam(model.handle_, "nthread", "1"), "setting nthread");
  return model;
}

void XgbModel::save(const fs::path& path) const {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  static std::atomic<unsigned> counter{0};
  // The temporary name keeps the .json extension: XGBoost picks the format from it.
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json";
  check(XGBoosterSaveModel(handle_, tmp.c_str()), "writing " + tmp.string(), ErrorKind::kUnavailable);
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    fail(ErrorKind::kUnavailable, "cannot write XGBoost model " + path.string() + ": " + ec.message() +
                                      "; check the directory's permissions or set ACGS_HOME");
  }
}

std::vector<float> XgbModel::predict(std::span<const float> rows) const {
  if (rows.empty() || rows.size() % kNumFeatures != 0) {
    fail(ErrorKind::kInvalidArgument, "XGBoost prediction: " + std::to_string(rows.size()) +
                                          " values is not a positive multiple of " + std::to_string(kNumFeatures) +
                                          " features");
  }
  const size_t n = rows.size() / kNumFeatures;
  // Numpy __array_interface__ describing the caller's buffer; XGBoost reads it in place (no copy).
  char array[192];
  std::snprintf(array, sizeof(array), R"({"data": [%llu, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(rows.data())), n, kNumFeatures);
  // cache_id is required by the libxgboost 1.6 that Debian 12 ships (headers say 1.7).
  static constexpr const char* kConfig =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, )"
      R"("missing": NaN, "cache_id": 0})";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDense(handle_, array, kConfig, nullptr, &shape, &dims, &out), "predicting");
  return std::vector<float>(out, out + n);
}

}  // namespace acgs::aux
