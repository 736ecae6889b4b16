#include <gtest/gtest.h>

#include <cstdlib>

#include "model/default_model.h"
#include "model/model_files.h"
#include "model_test_util.h"

namespace acgs {
namespace {

// Writes 265 MB: the default model (synth base, seed 0) through ACGS_HOME, loaded back.
TEST(SynthSlow, DefaultModelIsBaseShaped) {
  test::TempDir home;
  ::setenv("ACGS_HOME", home.path().c_str(), 1);
  const std::filesystem::path dir = resolve_model_dir("default");
  EXPECT_EQ(dir, home / "models" / "synth-base-seed0");
  EXPECT_EQ(resolve_model_dir(""), dir);  // second call reuses it
  const ModelWeights w = load_weights(locate_model(dir));
  ::unsetenv("ACGS_HOME");
  test::expect_shapes(w, 30522, 768, 6, 3072, 512);
  EXPECT_EQ(std::filesystem::file_size(dir / "model.safetensors"), 265462600u);
}

}  // namespace
}  // namespace acgs
