// ONNX import on hand-built graphs: files that are not ONNX, graphs that are not a DistilBERT or BERT
// encoder, and hostile or broken external data each give a clear Error(kInvalidModel) saying what was found.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <string>

#include "engine/model_source.h"
#include "model/model_test_util.h"
#include "model/onnx/onnx_import.h"

namespace acgs {
namespace {

namespace fs = std::filesystem;

void save(const onnx::ModelProto& m, const fs::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(m.SerializeToOstream(&out));
}

// input_ids -> Gather(table) -> `then` (one node reading the Gather output).
onnx::ModelProto embedding_graph(const std::string& then) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* g = m.mutable_graph();
  g->add_input()->set_name("input_ids");
  auto* table = g->add_initializer();
  table->set_name("embeddings.word_embeddings.weight");
  table->set_data_type(onnx::TensorProto::FLOAT);
  table->add_dims(4);
  table->add_dims(2);
  for (int i = 0; i < 8; ++i) table->add_float_data(static_cast<float>(i));
  auto* gather = g->add_node();
  gather->set_op_type("Gather");
  gather->add_input(table->name());
  gather->add_input("input_ids");
  gather->add_output("emb");
  auto* next = g->add_node();
  next->set_op_type(then);
  next->add_input("emb");
  next->add_output("out");
  return m;
}

void expect_import_error(const fs::path& path, const std::vector<std::string>& needles) {
  test::expect_error([&] { load_onnx_weights(path, {}); }, ErrorKind::kInvalidModel, needles);
}

TEST(OnnxImport, NotAnOnnxFile) {
  test::TempDir tmp;
  test::write_text(tmp / "m.onnx", "definitely not protobuf \xff\xff\xff");
  expect_import_error(tmp / "m.onnx", {"m.onnx", "not a readable ONNX model"});
  test::write_text(tmp / "m.txt", "x");
  test::expect_error([&] { locate_any_model((tmp / "m.txt").string()); }, ErrorKind::kInvalidModel,
                     {"not a .onnx model"});
}

TEST(OnnxImport, GraphWithoutEmbeddingsSaysWhatItHas) {
  test::TempDir tmp;
  onnx::ModelProto m;
  auto* g = m.mutable_graph();
  g->add_input()->set_name("x");
  // std::string arguments: GCC 12 at -O3 reports a false -Wrestrict (GCC PR 105329) when a ternary of
  // literals goes through protobuf's const char* overloads.
  const std::string names[] = {"x", "y", "z"};
  for (int i = 0; i < 2; ++i) {
    auto* n = g->add_node();
    n->set_op_type("Relu");
    *n->add_input() = names[i];
    *n->add_output() = names[i + 1];
  }
  save(m, tmp / "relu.onnx");
  expect_import_error(tmp / "relu.onnx",
                      {"not a DistilBERT or BERT encoder graph", "no token-embedding Gather", "Relu x2"});
}

TEST(OnnxImport, EmbeddingsWithoutPositionsAreRejected) {
  test::TempDir tmp;
  save(embedding_graph("Relu"), tmp / "m.onnx");
  expect_import_error(tmp / "m.onnx", {"not followed by the position-embedding Add"});
}

// Segment 1 everywhere is not what single texts use: a second table whose index is neither the
// token_type_ids input nor zeros is refused, not run as token-type row 0 or as a second position table.
TEST(OnnxImport, TokenTypesOtherThanZeroAreRefused) {
  test::TempDir tmp;
  onnx::ModelProto m = embedding_graph("Add");
  auto* g = m.mutable_graph();
  g->mutable_node(1)->add_input("table1_rows");
  const std::string tables[] = {"table1", "table2"};
  for (const std::string& t : tables) {
    auto* table = g->add_initializer();
    table->set_name(t);
    table->set_data_type(onnx::TensorProto::FLOAT);
    table->add_dims(2);
    table->add_dims(2);
    for (int i = 0; i < 4; ++i) table->add_float_data(0.5f);
    auto* ones = g->add_initializer();
    ones->set_name(t + "_index");
    ones->set_data_type(onnx::TensorProto::INT64);
    ones->add_dims(1);
    ones->add_int64_data(1);
    auto* gather = g->add_node();
    gather->set_op_type("Gather");
    gather->set_name(t + "_gather");
    gather->add_input(t);
    gather->add_input(t + "_index");
    gather->add_output(t + "_rows");
  }
  auto* add = g->add_node();
  add->set_op_type("Add");
  add->add_input("out");
  add->add_input("table2_rows");
  add->add_output("sum");
  save(m, tmp / "m.onnx");
  expect_import_error(tmp / "m.onnx", {"two tables whose indices are neither the token_type_ids input nor zeros",
                                       "Gather 'table2_gather'", "only single-text token types (all 0)"});
}

TEST(OnnxImport, ExternalDataIsConfinedAndBoundsChecked) {
  test::TempDir tmp;
  const auto with_external = [&](const std::string& location, const std::string& length) {
    onnx::ModelProto m = embedding_graph("Relu");
    auto* t = m.mutable_graph()->mutable_initializer(0);
    t->clear_float_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = t->add_external_data();
    loc->set_key("location");
    loc->set_value(location);
    if (!length.empty()) {
      auto* len = t->add_external_data();
      len->set_key("length");
      len->set_value(length);
    }
    save(m, tmp / "m.onnx");
  };
  with_external("../escape.bin", "");
  expect_import_error(tmp / "m.onnx", {"outside the model's folder"});
  with_external("/etc/passwd", "");
  expect_import_error(tmp / "m.onnx", {"outside the model's folder"});
  with_external("missing.bin", "");
  expect_import_error(tmp / "m.onnx", {"missing.bin", "does not exist"});
  test::write_text(tmp / "short.bin", "0123456789");  // 10 bytes; the [4, 2] float table needs 32
  with_external("short.bin", "");
  expect_import_error(tmp / "m.onnx", {"lies outside its external-data file short.bin"});
  with_external("short.bin", "8");
  expect_import_error(tmp / "m.onnx", {"external data length 8 does not match"});
  with_external("short.bin", "eight");
  expect_import_error(tmp / "m.onnx", {"malformed external-data length 'eight'"});
}

TEST(OnnxImport, RawDataMustMatchTheShape) {
  test::TempDir tmp;
  onnx::ModelProto m = embedding_graph("Relu");
  auto* t = m.mutable_graph()->mutable_initializer(0);
  t->clear_float_data();
  t->set_raw_data(std::string(12, '\0'));
  save(m, tmp / "m.onnx");
  expect_import_error(tmp / "m.onnx", {"holds 12 bytes, its shape needs 32"});
}

}  // namespace
}  // namespace acgs
