#include "engine/backend_factory.h"

#include "backend/reference/reference_backend.h"
#include "common/error.h"

namespace acgs {

std::vector<std::string> known_backends() { return {"reference"}; }

std::unique_ptr<Backend> make_backend(const std::string& name, std::shared_ptr<const ModelWeights> weights,
                                      const BackendOptions& /*options*/) {
  if (name == "reference") return make_reference_backend(std::move(weights));
  std::string known;
  for (const auto& k : known_backends()) known += (known.empty() ? "" : ", ") + k;
  fail(ErrorKind::kInvalidArgument, "unknown backend '" + name + "': choose one of " + known);
}

}  // namespace acgs
