#pragma once
// The pieces of the acgs_infer._core extension module, one registration function per source file.
// acgs::Error reaches Python as ValueError (bad argument), ModelError (a ValueError: unreadable model),
// UnavailableError (a RuntimeError: a backend or device cannot run here) or RuntimeError (internal).
#include <pybind11/pybind11.h>

namespace acgs::python {

void bind_errors(pybind11::module_& m);
void bind_engine(pybind11::module_& m);
void bind_tools(pybind11::module_& m);
void bind_scorer(pybind11::module_& m);

}  // namespace acgs::python
