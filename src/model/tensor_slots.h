#pragma once
// The Hugging Face name and expected shape of every encoder tensor in ModelWeights (names without the
// `distilbert.` prefix, as DistilBertModel.save_pretrained writes them). One table shared by the
// loader, the synthesizer and the tests, so names are spelled once.
#include <string>
#include <vector>

#include "model/weights.h"

namespace acgs {

template <class T>
struct TensorSlotT {
  std::string name;
  std::vector<int64_t> shape;  // as the config says it must be
  T* tensor;
};
using TensorSlot = TensorSlotT<Tensor>;
using ConstTensorSlot = TensorSlotT<const Tensor>;

// `weights.layers` must already hold weights.config.n_layers entries.
std::vector<TensorSlot> tensor_slots(ModelWeights& weights);
std::vector<ConstTensorSlot> tensor_slots(const ModelWeights& weights);

// Tensors in the encoder namespace that HF checkpoints may carry but are not weights (buffers).
bool is_ignored_encoder_buffer(const std::string& name);

}  // namespace acgs
