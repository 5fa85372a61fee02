//===- StepKernelsTest.cpp - the small kernels of compiled steps ----------===//
//
// The sum of squares behind qt.global_norm and the elementwise kernels
// (LoRA's scale, sums of gradient terms), through the JIT on each CPU
// target, against the reference: bit for bit, on sizes that fill no vector
// and on values from subnormal to huge.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/Elementwise.h"
#include "codegen/halide/GlobalNorm.h"
#include "codegen/reference/Optimizer.h"

#include "test/unit/halide/CpuTargets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace Halide;
namespace ref = qtc::ref;

namespace {

using qtc::halide::test::kAvx2;
using qtc::halide::test::kAvx512;
using qtc::halide::test::kAvx512NoVnni;
using qtc::halide::test::runnable;

ref::Array<float> wideRange(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ref::Array<float> x({n});
  for (int64_t i = 0; i < n; ++i)
    x[i] = normal(rng) * std::ldexp(1.0f, static_cast<int>(i % 61) - 40);
  x[0] = 1.0e-42f; // subnormal
  return x;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(StepKernelsTest, SumOfSquaresMatchesTheReferenceBitForBit) {
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2}))
    for (int64_t n : {1, 7, 1000, 4099}) {
      ref::Array<float> x = wideRange(n, static_cast<unsigned>(n));
      ImageParam input(Float(32), 1, "x");
      Func sum = qtc::halide::defineSumOfSquares(input, input.dim(0).extent());
      input.set(Buffer<float>(x.data.data(), static_cast<int>(n)));
      Buffer<double> out = Buffer<double>::make_scalar();
      sum.realize(out, Target(target));
      EXPECT_EQ(out(), ref::sumOfSquares(x)) << target << " n=" << n;
    }
}

TEST(StepKernelsTest, ElementwiseMatchesTheSeparateOps) {
  const int64_t n = 1003;
  ref::Array<float> a = wideRange(n, 1), b = wideRange(n, 2);
  const float s = 2.0f / 3.0f;
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2}))
    for (const char *op : {"add", "sub", "mul", "scale", "neg"}) {
      ImageParam pa(Float(32), 1, "a"), pb(Float(32), 1, "b");
      Param<float> ps("s");
      Func out = qtc::halide::defineElementwise(op, pa, pb, ps);
      qtc::halide::scheduleElementwiseCpu(out, 16);
      pa.set(Buffer<float>(a.data.data(), static_cast<int>(n)));
      pb.set(Buffer<float>(b.data.data(), static_cast<int>(n)));
      ps.set(s);
      Buffer<float> result(static_cast<int>(n));
      out.realize(result, Target(target));
      std::string name = op;
      for (int64_t i = 0; i < n; ++i) {
        float expected = name == "add"     ? a[i] + b[i]
                         : name == "sub"   ? a[i] - b[i]
                         : name == "mul"   ? a[i] * b[i]
                         : name == "scale" ? a[i] * s
                                           : -a[i];
        ASSERT_TRUE(sameBits(result(i), expected))
            << target << " " << op << " at " << i;
      }
    }
}

} // namespace
