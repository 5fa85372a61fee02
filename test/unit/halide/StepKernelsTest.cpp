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
#include "codegen/halide/Layout.h"
#include "codegen/reference/Optimizer.h"
#include "runtime/Half.h"

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

/// The generic layout kernels are copies: every element where the op puts
/// it, the pad value elsewhere, on sizes that fill no vector.
TEST(StepKernelsTest, PadAndSliceCopyExactly) {
  const int rows = 5, cols = 19;
  ref::Array<float> a = wideRange(rows * cols, 3);
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam in(Float(32), 2, "in");
    in.set(Buffer<float>(a.data.data(), cols, rows));
    // Pad: 2 rows above, 7 columns left, out to 9 x 40, with -1.5.
    Func pad = qtc::halide::definePad(in, -1.5f, 2, 7);
    qtc::halide::scheduleRowsCpu(pad, 16);
    Buffer<float> padded = pad.realize({40, 9}, Target(target));
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 40; ++x) {
        bool inside = y >= 2 && y < 2 + rows && x >= 7 && x < 7 + cols;
        float expected = inside ? a[(y - 2) * cols + (x - 7)] : -1.5f;
        ASSERT_TRUE(sameBits(padded(x, y), expected))
            << target << " pad at " << y << ", " << x;
      }
    // Slice: rows 1, 3 and columns 2, 5, 8, ... (strides 2 and 3).
    Func slice = qtc::halide::defineSlice(in, 1, 2, 2, 3);
    qtc::halide::scheduleRowsCpu(slice, 16);
    Buffer<float> sliced = slice.realize({6, 2}, Target(target));
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 6; ++x)
        ASSERT_TRUE(sameBits(sliced(x, y), a[(1 + 2 * y) * cols + 2 + 3 * x]))
            << target << " slice at " << y << ", " << x;
  }
}

/// Widening is exact: every f16 and bf16 bit pattern becomes the f32 the
/// runtime's conversions give (NaNs stay NaNs).
TEST(StepKernelsTest, WidenIsExactForEveryHalfValue) {
  std::vector<uint16_t> bits(65536);
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = static_cast<uint16_t>(i);
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2}))
    for (bool bf16 : {false, true}) {
      ImageParam in(bf16 ? BFloat(16) : Float(16), 1, "in");
      Buffer<> storage(bf16 ? BFloat(16) : Float(16), 65536);
      std::memcpy(storage.data(), bits.data(), 2 * bits.size());
      in.set(storage);
      Func widen = qtc::halide::defineWiden(in);
      qtc::halide::scheduleElementwiseCpu(widen, 16);
      Buffer<float> out = widen.realize({65536}, Target(target));
      for (int i = 0; i < 65536; ++i) {
        uint16_t b = bits[i];
        float expected = bf16 ? qtc::bf16ToFloat(b)
                              : qtc::halfToFloat(qtc::Half{b});
        ASSERT_TRUE(std::isnan(expected) ? std::isnan(out(i))
                                         : sameBits(out(i), expected))
            << target << (bf16 ? " bf16 " : " f16 ") << std::hex << b;
      }
    }
}

/// The loss's label shift on i64 labels (beyond 2^32, so a 32-bit copy
/// would show): row y becomes labels y, 1.. then the ignore index.
TEST(StepKernelsTest, LabelShiftOnI64) {
  const int batch = 3, seq = 11;
  std::vector<int64_t> labels(batch * seq);
  for (size_t i = 0; i < labels.size(); ++i)
    labels[i] = (int64_t(i) << 33) + int64_t(i) * 7;
  for (const char *target : runnable({kAvx512, kAvx512NoVnni, kAvx2})) {
    ImageParam in(Int(64), 2, "in");
    in.set(Buffer<int64_t>(labels.data(), seq, batch));
    Func next = qtc::halide::defineSlice(in, 0, 1, 1, 1);
    qtc::halide::scheduleRowsCpu(next, 8);
    Buffer<int64_t> sliced = next.realize({seq - 1, batch}, Target(target));
    Func shifted = qtc::halide::definePad(sliced, Expr(int64_t(-100)), 0, 0);
    qtc::halide::scheduleRowsCpu(shifted, 8);
    Buffer<int64_t> out = shifted.realize({seq, batch}, Target(target));
    for (int y = 0; y < batch; ++y)
      for (int x = 0; x < seq; ++x)
        ASSERT_EQ(out(x, y), x + 1 < seq ? labels[y * seq + x + 1] : -100)
            << target << " at " << y << ", " << x;
  }
}

} // namespace
