#pragma once
// A float32 numpy array [rows, cols] that takes over a std::vector's buffer (no copy of the result).
#include <pybind11/numpy.h>

#include <vector>

namespace acgs::python {

inline pybind11::array_t<float> numpy_rows(std::vector<float>&& values, size_t rows, size_t cols) {
  auto* owned = new std::vector<float>(std::move(values));
  pybind11::capsule owner(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return pybind11::array_t<float>({rows, cols}, owned->data(), owner);
}

}  // namespace acgs::python
