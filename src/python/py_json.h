#pragma once
// Python values as JSON, for the scorer's message parser (scorer/message.h). dict, list, tuple, str, int,
// float, bool and None map directly; an enum member becomes its name (ACGS-2 passes Priority.HIGH or
// MessageType.GOVERNANCE_REQUEST, which the original scorer read through .name); anything else becomes
// its str(), as the original's str() fallbacks did. Needs the GIL.
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace acgs::python {

nlohmann::json to_json(pybind11::handle value);

}  // namespace acgs::python
