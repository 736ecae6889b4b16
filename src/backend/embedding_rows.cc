#include "backend/embedding_rows.h"

#include <string>

#include "common/error.h"

namespace acgs {

std::vector<float> position_rows(const ModelWeights& weights) {
  const ModelConfig& c = weights.config;
  const size_t dim = static_cast<size_t>(c.dim);
  std::vector<float> rows = weights.position_embeddings.data;
  if (!c.is_bert()) return rows;
  const Tensor& types = weights.token_type_embeddings;
  if (types.data.size() < dim || types.shape.size() != 2 || types.shape[1] != c.dim)
    fail(ErrorKind::kInvalidModel, "embeddings.token_type_embeddings.weight has " + std::to_string(types.data.size()) +
                                       " values, a BERT model needs at least one row of " + std::to_string(dim) +
                                       ": the weights do not match their config (load them with load_weights)");
  for (size_t i = 0; i < rows.size(); ++i) rows[i] += types.data[i % dim];
  return rows;
}

}  // namespace acgs
