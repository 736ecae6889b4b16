// ProvenValue: a value is accepted only when a source states it and every source agrees; otherwise the
// error names what is missing or each disagreeing value with where it came from.
#include "model/onnx/proven_value.h"

#include <gtest/gtest.h>

#include "model/model_test_util.h"

namespace acgs {
namespace {

TEST(ProvenValue, AgreeingSourcesGiveTheValue) {
  ProvenValue<int> heads("the attention head count");
  heads.add(4, "Reshape 'a'");
  heads.add(4, "the scale of layer 0");
  heads.add(4, "config.json n_heads");
  EXPECT_EQ(heads.count(), 3u);
  EXPECT_EQ(heads.value("m.onnx", "unused", "unused"), 4);
}

TEST(ProvenValue, NoSourceIsRefusedWithTheFix) {
  const ProvenValue<int> heads("the attention head count");
  test::expect_error([&] { heads.value("m.onnx", "put config.json beside m.onnx", "unused"); },
                     ErrorKind::kInvalidModel,
                     {"m.onnx: the attention head count cannot be proven: put config.json beside m.onnx"});
}

TEST(ProvenValue, DisagreementListsEachValueWithItsFirstSource) {
  ProvenValue<float> eps("the LayerNorm epsilon");
  eps.add(1e-5f, "LayerNorm 'a'");
  eps.add(1e-5f, "LayerNorm 'b'");
  eps.add(1e-12f, "config.json");
  test::expect_error([&] { eps.value("m.onnx", "unused", "fix config.json"); }, ErrorKind::kInvalidModel,
                     {"the sources of the LayerNorm epsilon disagree: 1e-05 from LayerNorm 'a' (and 1 more); "
                      "1e-12 from config.json; fix config.json"});
  ProvenValue<std::string> act("the FFN activation");
  act.add("gelu", "Erf 'x'");
  act.add("gelu_tanh", "Tanh 'y'");
  test::expect_error([&] { act.value("m.onnx", "", "re-export"); }, ErrorKind::kInvalidModel,
                     {"\"gelu\" from Erf 'x'; \"gelu_tanh\" from Tanh 'y'"});
}

}  // namespace
}  // namespace acgs
