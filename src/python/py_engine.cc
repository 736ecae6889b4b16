// acgs_infer._core.Engine: Engine::open and Engine::embed. The GIL is released while a model loads and
// while texts run through the backend, so Python threads can embed concurrently (Engine is thread-safe).
#include <pybind11/stl.h>

#include <optional>

#include "common/error.h"
#include "engine/engine.h"
#include "python/bindings.h"
#include "python/numpy_rows.h"

namespace py = pybind11;

namespace acgs::python {
namespace {

std::shared_ptr<Engine> open_engine(const std::string& model, const std::string& backend, const std::string& plan,
                                    int max_seq, bool build_plan, int threads) {
  EngineOptions options;
  options.backend = backend;
  options.plan_path = plan;
  options.max_seq = max_seq;
  options.build_plan = build_plan;
  options.threads = threads;
  py::gil_scoped_release release;
  return Engine::open(model, options);
}

// Each option left None is what the model's files declare (Engine::embed_defaults).
py::array_t<float> embed(const Engine& engine, const std::vector<std::string>& texts, std::optional<int> max_length,
                         std::optional<bool> normalize, const std::optional<std::string>& pooling) {
  EmbedOptions options = engine.embed_defaults();
  if (pooling) options.pooling = pooling_from_name(*pooling);
  if (normalize) options.normalize = *normalize;
  if (max_length) options.max_length = *max_length;
  std::vector<float> pooled;
  {
    py::gil_scoped_release release;
    pooled = engine.embed(texts, options);
  }
  return numpy_rows(std::move(pooled), texts.size(), static_cast<size_t>(engine.config().dim));
}

}  // namespace

void bind_engine(py::module_& m) {
  py::class_<Engine, std::shared_ptr<Engine>>(m, "Engine", "A model on the best backend that runs here")
      .def(py::init(&open_engine), py::arg("model") = "", py::arg("backend") = "", py::arg("plan_path") = "",
           py::arg("max_seq") = 128, py::arg("build_plan") = true, py::arg("threads") = 0,
           "model: directory, .onnx file, or '' for the default model; backend: '' = the fallback chain")
      .def_property_readonly("active_backend", &Engine::active_backend)
      .def_property_readonly("model_path", [](const Engine& e) { return e.files().weights.string(); })
      .def("status_json", [](const Engine& e) { return e.status_json().dump(); })
      .def("embed", &embed, py::arg("texts"), py::arg("max_length") = py::none(), py::arg("normalize") = py::none(),
           py::arg("pooling") = py::none(),
           "float32 [len(texts), dim]; pooling 'mean' | 'cls' | 'max'; None: what the model declares (a "
           "sentence-transformers directory's pooling, Normalize and max_seq_length, else mean, no normalization, "
           "128 tokens); raises UnavailableError without a backend");
}

}  // namespace acgs::python
