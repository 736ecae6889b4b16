#include "common/error.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace acgs::python {

void bind_errors(py::module_& m) {
  // Function-local statics: pybind11's documented way to keep exception types alive with the module.
  static py::exception<Error> model_error(m, "ModelError", PyExc_ValueError);
  static py::exception<Error> unavailable_error(m, "UnavailableError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      switch (e.kind()) {
        case ErrorKind::kInvalidArgument: PyErr_SetString(PyExc_ValueError, e.what()); break;
        case ErrorKind::kInvalidModel: model_error(e.what()); break;
        case ErrorKind::kUnavailable: unavailable_error(e.what()); break;
        case ErrorKind::kInternal: PyErr_SetString(PyExc_RuntimeError, e.what()); break;
      }
    }
  });
}

}  // namespace acgs::python
