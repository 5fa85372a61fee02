//===- GseMatmulKernelTest.cpp - Halide GSE matmul vs the reference -------===//
//
// Every CPU schedule that runs on this machine (AVX-512 with VNNI, AVX2) is
// compiled through Halide's JIT from the same builder and schedule code the
// AOT generator uses, for each operand layout and accumulation, and compared
// with codegen/reference on random and adversarial inputs: bit for bit (the
// kernel sums groups in the reference's order, so f32 accumulation is exact
// too, tighter than NUMERICS.md's tolerance), except that a zero may carry
// either sign: Halide's simplifier folds 0 + x to x, so a sum of terms that
// all rounded to -0 stays -0 where the reference's 0.0f + -0.0f is +0.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/GseMatmul.h"
#include "codegen/reference/Gse.h"

#include "test/unit/halide/CpuTargets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace Halide;
namespace ref = qtc::ref;

namespace {

using qtc::halide::test::kAvx2;
using qtc::halide::test::kAvx512;
using qtc::halide::test::kAvx512NoVnni;

/// A Halide view (innermost dimension first) of a row-major reference array.
Buffer<int8_t> view(ref::Array<int8_t> &a) {
  return Buffer<int8_t>(a.data.data(), static_cast<int>(a.dim(1)),
                        static_cast<int>(a.dim(0)));
}

struct Case {
  const char *name;
  int64_t M, N, K;
  bool transposeA, transposeB, wideInt;
  bool termViaF64 = false; // the CUDA build's formulation, checked on CPU
};

enum class Data {
  Random,
  Zeros,
  EqualGroups,
  PowersOfTwo,
  MaxMagnitude,
  Denormals,
  MixedScales,
  SubnormalProducts
};

ref::Array<float> makeData(Data kind, qtc::Shape shape, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ref::Array<float> x(shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    switch (kind) {
    case Data::Random:
      x[i] = normal(rng);
      break;
    case Data::Zeros:
      x[i] = 0;
      break;
    case Data::EqualGroups:
      x[i] = 0.375f;
      break;
    case Data::PowersOfTwo:
      x[i] = std::ldexp(i % 2 ? -1.0f : 1.0f, static_cast<int>(i % 13) - 6);
      break;
    case Data::MaxMagnitude:
      x[i] = (i % 3 ? 3.0e38f : -3.4e38f) * (i % 7 ? 1.0f : 0.5f);
      break;
    case Data::Denormals:
      x[i] = normal(rng) * 1e-39f;
      break;
    case Data::SubnormalProducts:
      // Operands near 1e-22: products of their scales land below f32's
      // smallest subnormal step, where each rounding step matters.
      x[i] = normal(rng) * 1e-22f;
      break;
    case Data::MixedScales:
      x[i] = normal(rng) * std::ldexp(1.0f, static_cast<int>(i % 41) - 20);
      break;
    }
  }
  return x;
}

/// The kernel of one case, compiled once through the JIT.
struct JitKernel {
  ImageParam am{Int(8), 2, "am"}, ae{Int(8), 2, "ae"}, bm{Int(8), 2, "bm"},
      be{Int(8), 2, "be"};
  Func output;
  Target target;

  JitKernel(const Target &target, const Case &c) : target(target) {
    qtc::halide::GseMatmulOptions options;
    options.group = ref::GseFormat().group;
    options.wideInt = c.wideInt;
    options.transposeA = c.transposeA;
    options.transposeB = c.transposeB;
    options.unsignedRhs = target.has_feature(Target::AVX512_SapphireRapids);
    options.termViaF64 = c.termViaF64;
    Expr K = c.transposeA ? am.dim(1).extent() : am.dim(0).extent();
    qtc::halide::GseMatmulPipeline p = qtc::halide::defineGseMatmul(
        qtc::halide::zeroOutside(am), qtc::halide::zeroOutside(ae),
        qtc::halide::zeroOutside(bm), qtc::halide::zeroOutside(be), K, options);
    if (target.has_feature(Target::AVX512))
      qtc::halide::scheduleGseMatmulX86Avx512(p, options);
    else
      qtc::halide::scheduleGseMatmulX86Avx2(p, options);
    output = p.output;
    output.compile_jit(target);
  }

  /// C [M, N] for one pair of operands.
  ref::Array<float> run(const Case &c, ref::GseTensor &a, ref::GseTensor &b) {
    am.set(view(a.mantissas));
    ae.set(view(a.exponents));
    bm.set(view(b.mantissas));
    be.set(view(b.exponents));
    Buffer<float> out =
        output.realize({static_cast<int>(c.N), static_cast<int>(c.M)}, target);
    ref::Array<float> result({c.M, c.N});
    for (int64_t m = 0; m < c.M; ++m)
      for (int64_t n = 0; n < c.N; ++n)
        result.at(m, n) = out(static_cast<int>(n), static_cast<int>(m));
    return result;
  }
};

class GseMatmulKernelTest : public ::testing::TestWithParam<const char *> {};

TEST_P(GseMatmulKernelTest, MatchesTheReferenceBitForBit) {
  Target target(GetParam());
  QTC_SKIP_UNLESS_HOST_RUNS(GetParam());
  // The three layouts of training (X W^T, dY W, X^T dY), both accumulations,
  // and sizes that do not divide the vector width or the register tile.
  const Case cases[] = {
      {"xwt", 5, 37, 96, false, true, false},
      {"dyw", 9, 21, 64, false, false, false},
      {"xtdy", 3, 40, 128, true, false, false},
      {"both", 4, 16, 32, true, true, false},
      {"xwt_wide", 6, 19, 160, false, true, true},
      {"dyw_wide", 2, 33, 64, false, false, true},
      {"xwt_f64_term", 5, 37, 96, false, true, false, true},
  };
  const Data kinds[] = {Data::Random,       Data::Zeros,
                        Data::EqualGroups,  Data::PowersOfTwo,
                        Data::MaxMagnitude, Data::Denormals,
                        Data::MixedScales,  Data::SubnormalProducts};
  std::mt19937 rng(5);
  ref::GseFormat format; // GSE-int8, G = 32
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    JitKernel kernel(target, c);
    for (Data kind : kinds) {
      qtc::Shape aShape =
          c.transposeA ? qtc::Shape{c.K, c.M} : qtc::Shape{c.M, c.K};
      qtc::Shape bShape =
          c.transposeB ? qtc::Shape{c.N, c.K} : qtc::Shape{c.K, c.N};
      ref::GseTensor a, b;
      ASSERT_TRUE(ref::quantizeGse(makeData(kind, aShape, rng),
                                   c.transposeA ? 0 : 1, format, 0, a)
                      .ok());
      // B gets random data so every kind meets a nonzero operand.
      Data bKind = kind == Data::Zeros ? Data::Random : kind;
      ASSERT_TRUE(ref::quantizeGse(makeData(bKind, bShape, rng),
                                   c.transposeB ? 1 : 0, format, 0, b)
                      .ok());
      ref::Array<float> expected = ref::gseMatmul(
          a, c.transposeA, b, c.transposeB,
          c.wideInt ? ref::Accumulation::WideInt : ref::Accumulation::F32);
      ref::Array<float> got = kernel.run(c, a, b);
      int mismatches = 0;
      for (int64_t i = 0; i < expected.numel() && mismatches < 3; ++i)
        if (std::memcmp(&got[i], &expected[i], sizeof(float)) != 0 &&
            !(got[i] == 0 && expected[i] == 0)) {
          ADD_FAILURE() << c.name << " data kind " << static_cast<int>(kind)
                        << " element " << i << ": " << got[i] << " vs "
                        << expected[i];
          ++mismatches;
        }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(CpuSchedules, GseMatmulKernelTest,
                         ::testing::Values(kAvx512, kAvx512NoVnni, kAvx2));

} // namespace
