// Model tools for TensorRTOptimizer: ONNX export, the CUDA device probe, CUDA plan build / check (our
// counterpart of a TensorRT engine file), and the engine's per-user folder. Each releases the GIL around its file and device work.
#include <pybind11/stl.h>

#include "common/error.h"
#include "engine/cuda_plugin.h"
#include "engine/model_source.h"
#include "model/default_model.h"
#include "model/onnx/onnx_export.h"
#include "plan/plan_format.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace acgs::python {
namespace {

py::dict export_model(const std::string& model, const std::string& out) {
  LoadedModel loaded;
  OnnxExportResult result;
  {
    py::gil_scoped_release release;
    loaded = load_model(model);
    result = export_onnx(*loaded.weights, out);
  }
  py::dict d;
  d["path"] = out;
  d["source"] = loaded.files.weights.string();
  d["opset"] = kOnnxExportOpset;
  d["sha256"] = result.sha256;
  d["bytes"] = result.bytes;
  return d;
}

py::dict cuda_device() {
  cuda::DeviceReport dev;
  {
    py::gil_scoped_release release;
    dev = probe_cuda_device(0);
  }
  py::dict d;
  d["available"] = dev.available;
  d["reason"] = dev.reason;
  d["name"] = dev.name;
  d["compute_capability"] = std::to_string(dev.cc_major) + "." + std::to_string(dev.cc_minor);
  return d;
}

plan::PlanExpect expect_for(const ModelWeights& weights, const std::string& precision, int max_seq) {
  plan::PlanExpect expect;
  expect.model_sha256 = weights.sha256;
  expect.precision = precision;
  expect.max_seq = max_seq;
  const cuda::DeviceReport dev = probe_cuda_device(0);
  if (dev.available) {
    expect.gpu_name = dev.name;
    expect.cc_major = dev.cc_major;
    expect.cc_minor = dev.cc_minor;
  }
  return expect;
}

// "" when the plan at `path` serves `model` at `precision` on this GPU, else why not.
std::string plan_problem(const std::string& path, const std::string& model, const std::string& precision, int max_seq) {
  py::gil_scoped_release release;
  const LoadedModel loaded = load_model(model);
  const plan::PlanCheck check = plan::check_plan(path, expect_for(*loaded.weights, precision, max_seq));
  return check.valid ? "" : check.reason;
}

void build_plan(const std::string& model, const std::string& out, const std::string& precision, int max_seq) {
  if (precision != "fp16" && precision != "fp32")
    fail(ErrorKind::kInvalidArgument, "precision must be fp16 or fp32, got '" + precision + "'");
  py::gil_scoped_release release;
  const LoadedModel loaded = load_model(model);
  cuda::CudaOptions options;
  options.precision = precision;
  options.max_seq = max_seq;
  build_cuda_plan(*loaded.weights, options, out);
  // A plan that does not validate must not be reported as built.
  const plan::PlanCheck check = plan::check_plan(out, expect_for(*loaded.weights, precision, max_seq));
  if (!check.valid) fail(ErrorKind::kInternal, "the plan just written does not validate: " + check.reason);
}

}  // namespace

void bind_tools(py::module_& m) {
  m.def("acgs_home", [] { return acgs_home().string(); },
        "$ACGS_HOME, else $XDG_CACHE_HOME/acgs-infer, else ~/.cache/acgs-infer (UnavailableError if none is set)");
  m.def("export_onnx", &export_model, py::arg("model"), py::arg("out"),
        "Writes the model as ONNX (opset 14, dynamic batch and sequence axes) and checks it reads back");
  m.def("cuda_device", &cuda_device, "What the CUDA plugin reports for device 0 (never raises)");
  m.def("plan_problem", &plan_problem, py::arg("path"), py::arg("model"), py::arg("precision"), py::arg("max_seq"),
        "'' when the CUDA plan serves this model and GPU, else the reason it does not");
  m.def("build_plan", &build_plan, py::arg("model"), py::arg("out"), py::arg("precision") = "fp16",
        py::arg("max_seq") = 128, "Autotunes on the GPU and writes a CUDA engine plan (UnavailableError without one)");
}

}  // namespace acgs::python
