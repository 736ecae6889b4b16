#pragma once
// The Hugging Face name and expected shape of every encoder tensor in ModelWeights, for each family
// (names without the `distilbert.` / `bert.` prefix, as DistilBertModel / BertModel.save_pretrained write
// them). One table shared by the loader, the synthesizer, the backends' checks and the tests, so names are
// spelled once.
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

// The prefix a task model (…ForMaskedLM, sentence-transformers' saved BertModel wrappers) puts before the
// encoder's names: "distilbert." or "bert.".
std::string encoder_prefix(const ModelConfig& config);
// Whether an unprefixed name lies in the encoder (embeddings and layers), as opposed to heads, poolers
// and classifiers, which are ignored.
bool is_encoder_name(const ModelConfig& config, const std::string& name);
// Tensors in the encoder namespace that HF checkpoints may carry but are not weights (buffers).
bool is_ignored_encoder_buffer(const std::string& name);

}  // namespace acgs
