//===- TSignSgdAotTest.cpp - t-SignSGD kernel vs the reference ------------===//
//
// The early phase, the late phase with and without the upper cut, the last
// step, ties among |g|, exact zeros and values under the 1e-9 floor: the new
// ternary values bit for bit (the quantiles come from radix selection in the
// kernel and from a sort in the reference). NaN fails the pipeline.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Optimizer.h"
#include "qtc_tsign_sgd.h"

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ref = qtc::ref;

namespace {

void ignoreError(void *, const char *) {}

TEST(TSignSgdAotTest, MatchesTheReference) {
  std::mt19937 rng(15);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> ternary(-1, 1);
  for (int n : {1, 7, 1000, 40000}) {
    ref::Array<int8_t> p({n});
    ref::Array<float> g({n});
    for (int i = 0; i < n; ++i) {
      p[i] = static_cast<int8_t>(ternary(rng));
      int kind = i % 10;
      g[i] = kind == 0   ? 0.0f
             : kind == 1 ? 1e-12f
             : kind == 2 ? 0.25f // ties
             : kind == 3 ? -0.25f
                         : normal(rng) * std::ldexp(1.0f, i % 30 - 15);
    }
    struct Step {
      int64_t t, total;
      float norm;
    };
    for (Step s : {Step{1, 100, 50}, Step{80, 100, 50}, Step{90, 100, 5},
                   Step{90, 100, 50}, Step{100, 100, 50}}) {
      ref::Array<int8_t> expected;
      ASSERT_TRUE(ref::tsignSgd(p, g, s.t, s.total, s.norm, expected).ok());
      Halide::Runtime::Buffer<int8_t> pb(p.data.data(), n), out(n);
      Halide::Runtime::Buffer<float> gb(g.data.data(), n);
      ASSERT_EQ(qtc_tsign_sgd(pb, gb, s.t, s.total, s.norm, out), 0);
      int moved = 0;
      for (int i = 0; i < n; ++i) {
        ASSERT_EQ(out(i), expected[i])
            << "n " << n << " t " << s.t << " norm " << s.norm << " at " << i;
        moved += out(i) != p[i];
      }
      if (n == 40000 && s.t == 1) {
        EXPECT_GT(moved, 0);
      }
    }
  }
  // A NaN gradient is an error, not a silent step.
  halide_set_error_handler(ignoreError);
  std::vector<int8_t> p(8, 0);
  std::vector<float> g(8, 1.0f);
  g[3] = NAN;
  Halide::Runtime::Buffer<int8_t> pb(p.data(), 8), out(8);
  Halide::Runtime::Buffer<float> gb(g.data(), 8);
  EXPECT_NE(qtc_tsign_sgd(pb, gb, 1, 10, 1.0f, out), 0);
  halide_set_error_handler(nullptr);
}

} // namespace
