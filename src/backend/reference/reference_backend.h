#pragma once
// The portable fp32 forward pass: plain loops, double-checked against PyTorch. Every other backend is
// tested against it.
#include <memory>

#include "backend/backend.h"

namespace acgs {

std::unique_ptr<Backend> make_reference_backend(std::shared_ptr<const ModelWeights> weights);

}  // namespace acgs
