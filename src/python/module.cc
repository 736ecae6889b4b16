// acgs_infer._core: the C++ engine, tools and impact scorer under the pure-Python acgs_infer package,
// which gives them the ACGS-2 seed's names (python/acgs_infer).
#include "python/bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "acgs-infer engine bindings (use the acgs_infer package, not this module)";
  acgs::python::bind_errors(m);
  acgs::python::bind_engine(m);
  acgs::python::bind_tools(m);
  acgs::python::bind_scorer(m);
}
