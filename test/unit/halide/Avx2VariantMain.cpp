//===- Avx2VariantMain.cpp - The AOT kernel tests on their AVX2 variants --===//
//
// The shipped kernel libraries are multi-target (AVX-512 with VNNI, AVX2)
// and pick a variant on their first call. This binary runs the AOT tests
// again with AVX-512 refused from the start (Halide's
// halide_set_custom_can_use_target_features hook), so every library runs
// its AVX2 variant, and fails if no AVX-512 variant was ever refused.
//
//===----------------------------------------------------------------------===//
#include "runtime/qtc_cpu_check.h"

#include "HalideRuntime.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace {

int refused = 0;
bool ran = false;

/// Notes that a test body ran (listing tests runs none).
class RunListener : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo &) override { ran = true; }
};

int refuseAvx512(int count, const uint64_t *features) {
  const int bit = halide_target_feature_avx512;
  if (bit / 64 < count && (features[bit / 64] >> (bit % 64) & 1)) {
    ++refused;
    return 0;
  }
  return qtc::cpu::canUseTargetFeatures(count, features);
}

} // namespace

int main(int argc, char **argv) {
  halide_set_custom_can_use_target_features(refuseAvx512);
  ::testing::InitGoogleTest(&argc, argv);
  // Only the AOT tests (the JIT tests compile their own targets): restrict
  // the default filter and lit's "-*DISABLED_*", keep an explicit test name.
  std::string filter = ::testing::GTEST_FLAG(filter);
  if (filter == "*")
    ::testing::GTEST_FLAG(filter) = "*Aot*";
  else if (!filter.empty() && filter[0] == '-')
    ::testing::GTEST_FLAG(filter) = "*Aot*" + filter;
  ::testing::UnitTest::GetInstance()->listeners().Append(new RunListener);
  int status = RUN_ALL_TESTS();
  if (ran && refused == 0) {
    std::fprintf(stderr, "no AVX-512 variant was refused: the AVX2 variants "
                         "did not run\n");
    return 1;
  }
  return status;
}
