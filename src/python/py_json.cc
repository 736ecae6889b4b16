#include "python/py_json.h"

namespace py = pybind11;

namespace acgs::python {
namespace {

nlohmann::json integer(py::handle value) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0) return v;
  return value.cast<double>();  // beyond int64: the scorer only compares amounts, so a double will do
}

}  // namespace

nlohmann::json to_json(py::handle value) {
  PyObject* o = value.ptr();
  if (value.is_none()) return nullptr;
  if (PyBool_Check(o)) return o == Py_True;
  if (PyLong_CheckExact(o)) return integer(value);
  if (PyFloat_CheckExact(o)) return PyFloat_AsDouble(o);
  if (PyUnicode_CheckExact(o)) return value.cast<std::string>();
  if (PyDict_Check(o)) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [k, v] : value.cast<py::dict>()) object[py::str(k).cast<std::string>()] = to_json(v);
    return object;
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    nlohmann::json array = nlohmann::json::array();
    for (const py::handle item : value) array.push_back(to_json(item));
    return array;
  }
  // Checked before int and str subclasses: IntEnum and str-valued Enum members count by their name.
  if (py::isinstance(value, py::module_::import("enum").attr("Enum"))) return value.attr("name").cast<std::string>();
  if (PyLong_Check(o)) return integer(value);
  if (PyFloat_Check(o)) return PyFloat_AsDouble(o);
  return py::str(value).cast<std::string>();
}

}  // namespace acgs::python
