//===- AffineMatmulKernelTest.cpp - Dequantize-on-load matmul vs reference ===//
//
// GEMV and GEMM schedules on each CPU target, every zero form, with and
// without QEFT's f16 weak rows, codes one per byte and GPTQ-packed (2, 4 and
// 8 bits), row counts that fill no tile (N must be a multiple of the panel):
// within the f32 summation bound |y - y_ref| <= (K + 1) 2^-24 sum_k |x_k w_k|
// (the reference sums in double and rounds once; the kernel sums in f32 in
// another order), (K + 3) for the GEMV's sums by groups (x (q - z) rounded,
// then the group sum scaled).
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/AffineMatmul.h"
#include "codegen/reference/Affine.h"
#include "codegen/reference/Qeft.h"
#include "qtc_lota_matmul_gemv.h"
#include "qtc_lota_matmul_packed_gemv.h"
#include "qtc_qeft_matmul_gemm.h"
#include "qtc_qeft_matmul_packed_gemv.h"
#include "qtc_qeft_matmul_t_gemv.h"

#include "HalideBuffer.h"
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

struct Problem {
  ref::Array<float> x;
  ref::AffineTensor w;
  ref::Array<qtc::Half> weak; // empty without weak rows
  ref::Array<float> expected, magnitude;
};

Problem makeProblem(int64_t M, int64_t K, int64_t N, ref::ZeroForm zero,
                    int64_t weakRows, std::mt19937 &rng, int bits = 4) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Problem p;
  p.x = ref::Array<float>({M, K});
  for (float &v : p.x.data)
    v = normal(rng);
  ref::Array<float> w({K, N});
  for (float &v : w.data)
    v = normal(rng) * 0.05f;
  ref::Array<qtc::Half> weak;
  if (weakRows)
    EXPECT_TRUE(ref::outlierSplit(w, weakRows, bits, 128, p.w, p.weak).ok());
  else
    EXPECT_TRUE(ref::quantizeAffine(w, bits, 128, p.w).ok());
  if (zero != ref::ZeroForm::Int) { // fractional zeros, as a LoTA merge leaves
    p.w.zeroForm = zero;
    p.w.floatZeros = ref::Array<float>(p.w.scales.shape);
    for (int64_t i = 0; i < p.w.floatZeros.numel(); ++i)
      p.w.floatZeros[i] = p.w.intZeros[i] - 0.37f * normal(rng);
  }
  ref::Array<float> dense = ref::dequantizeAffine(p.w);
  ref::Array<float> weakF({weakRows, N});
  for (int64_t i = 0; i < weakF.numel(); ++i)
    weakF[i] = qtc::halfToFloat(p.weak[i]);
  p.expected = ref::qeftForward(p.x, dense, weakF);
  p.magnitude = ref::Array<float>({M, N});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += std::fabs(p.x.at(m, k) * dense.at(k, n));
      for (int64_t j = 0; j < weakRows; ++j)
        sum += std::fabs(p.x.at(m, K - weakRows + j) * weakF.at(j, n));
      p.magnitude.at(m, n) = static_cast<float>(sum);
    }
  return p;
}

/// terms: K + 1 for one f32 sum over K, K + 3 for sums by groups.
void expectClose(const Problem &p, const std::function<float(int, int)> &got,
                 int64_t terms) {
  int failures = 0;
  for (int64_t m = 0; m < p.expected.dim(0); ++m)
    for (int64_t n = 0; n < p.expected.dim(1) && failures < 3; ++n) {
      double bound = terms * std::ldexp(1.0, -24) * p.magnitude.at(m, n);
      if (!(std::fabs(got(n, m) - p.expected.at(m, n)) <= bound)) {
        ADD_FAILURE() << "(" << m << ", " << n << "): " << got(n, m) << " vs "
                      << p.expected.at(m, n) << ", bound " << bound;
        ++failures;
      }
    }
}

qtc::halide::AffineZero affineZeroOf(ref::ZeroForm zero) {
  return zero == ref::ZeroForm::Int     ? qtc::halide::AffineZero::Int
         : zero == ref::ZeroForm::Float ? qtc::halide::AffineZero::Float
                                        : qtc::halide::AffineZero::Scaled;
}

/// The backward dX = dY W^T of a problem's weight (plus dY Wf^T on QEFT's
/// weak inputs) for a random upstream gradient dY [M, N]: the reference's,
/// and the whole weight W + pad(Wf) [K, N] that bounds a kernel's error.
struct DxProblem {
  ref::Array<float> dy, expected, whole;
};

DxProblem makeDxProblem(const Problem &p, int64_t M, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t K = p.w.inFeatures(), N = p.w.outFeatures();
  const int64_t weakRows = p.weak.numel() / N;
  DxProblem d;
  d.dy = ref::Array<float>({M, N});
  for (float &v : d.dy.data)
    v = normal(rng);
  ref::Array<float> dense = ref::dequantizeAffine(p.w);
  ref::Array<float> weakF({weakRows, N});
  for (int64_t i = 0; i < weakF.numel(); ++i)
    weakF[i] = qtc::halfToFloat(p.weak[i]);
  ref::Array<float> x({M, K}); // only its shape matters for dX
  d.expected = ref::qeftBackward(x, d.dy, dense, weakF).dx;
  d.whole = dense;
  for (int64_t j = 0; j < weakRows; ++j)
    for (int64_t n = 0; n < N; ++n)
      d.whole.at(K - weakRows + j, n) += weakF.at(j, n);
  return d;
}

/// got(k, m) within the f32 bound (N + 1) 2^-24 sum_n |dy_n w_kn| of the
/// reference's dX.
void expectDxClose(const DxProblem &d,
                   const std::function<float(int, int)> &got) {
  const int64_t M = d.dy.dim(0), N = d.dy.dim(1), K = d.whole.dim(0);
  int failures = 0;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K && failures < 3; ++k) {
      double magnitude = 0;
      for (int64_t n = 0; n < N; ++n)
        magnitude += std::fabs(d.dy.at(m, n) * d.whole.at(k, n));
      double bound = (N + 1) * std::ldexp(1.0, -24) * magnitude;
      if (!(std::fabs(got(int(k), int(m)) - d.expected.at(m, k)) <= bound)) {
        ADD_FAILURE() << "(" << m << ", " << k << "): " << got(int(k), int(m))
                      << " vs " << d.expected.at(m, k) << ", bound " << bound;
        ++failures;
      }
    }
}

/// A QEFT problem's weight (int zeros, f16 weak rows) as the shipped
/// kernels' runtime buffers, over the problem's storage.
struct QeftWeightViews {
  Runtime::Buffer<int8_t> codes, zeros;
  Runtime::Buffer<float> scales;
  Runtime::Buffer<uint16_t> weak;

  QeftWeightViews(Problem &p, int64_t weakRows) {
    const int64_t K = p.w.inFeatures(), N = p.w.outFeatures();
    codes = Runtime::Buffer<int8_t>(
        reinterpret_cast<int8_t *>(p.w.codes.data.data()), N, K);
    zeros = Runtime::Buffer<int8_t>(
        reinterpret_cast<int8_t *>(p.w.intZeros.data.data()), N, K / 128);
    scales = Runtime::Buffer<float>(p.w.scales.data.data(), N, K / 128);
    weak = Runtime::Buffer<uint16_t>(
        reinterpret_cast<uint16_t *>(p.weak.data.data()), N, weakRows);
  }
};

/// The weight's inputs as JIT parameters, bound to a problem's storage (the
/// packed codes and the f16 weak rows, as a buffer of at least one row, stay
/// alive here).
struct WeightParams {
  ImageParam codes, scales{Float(32), 2}, zeros, weak{Float(16), 2};
  int packedBits;
  ref::Array<int32_t> words;
  std::vector<uint16_t> weakBits;

  WeightParams(ref::ZeroForm zero, int packedBits)
      : codes(packedBits ? Int(32) : Int(8), 2),
        zeros(zero == ref::ZeroForm::Int ? Int(8) : Float(32), 2),
        packedBits(packedBits) {}

  void bind(Problem &problem, int64_t K, int64_t N, int64_t weakRows) {
    ref::AffineTensor &w = problem.w;
    if (packedBits) {
      words = ref::packCodesAlongRows(w.codes, packedBits);
      codes.set(Buffer<int32_t>(words.data.data(), N, words.dim(0)));
    } else {
      codes.set(Buffer<int8_t>(reinterpret_cast<int8_t *>(w.codes.data.data()),
                               N, K));
    }
    scales.set(Buffer<float>(w.scales.data.data(), N, K / 128));
    if (w.zeroForm == ref::ZeroForm::Int)
      zeros.set(Buffer<int8_t>(
          reinterpret_cast<int8_t *>(w.intZeros.data.data()), N, K / 128));
    else
      zeros.set(Buffer<float>(w.floatZeros.data.data(), N, K / 128));
    weakBits.assign(std::max<int64_t>(weakRows, 1) * N, 0);
    for (int64_t i = 0; i < problem.weak.numel(); ++i)
      weakBits[i] = problem.weak[i].bits;
    weak.set(Buffer<float16_t>(reinterpret_cast<float16_t *>(weakBits.data()),
                               N, std::max<int64_t>(weakRows, 1)));
  }
};

class AffineMatmulKernelTest
    : public ::testing::TestWithParam<std::tuple<const char *, bool>> {};

TEST_P(AffineMatmulKernelTest, WithinTheF32BoundOfTheReference) {
  auto [targetName, gemv] = GetParam();
  Target target(targetName);
  QTC_SKIP_UNLESS_HOST_RUNS(targetName);
  std::mt19937 rng(6);
  const int64_t M = gemv ? 3 : 21, K = 384, N = 576;
  struct Case {
    ref::ZeroForm zero;
    int64_t weakRows;
    int bits, packedBits;
  };
  std::vector<Case> cases;
  for (ref::ZeroForm zero :
       {ref::ZeroForm::Int, ref::ZeroForm::Float, ref::ZeroForm::Scaled})
    for (int64_t weakRows : {int64_t(0), int64_t(16)})
      for (int packedBits : {0, 4})
        cases.push_back({zero, weakRows, 4, packedBits});
  cases.push_back({ref::ZeroForm::Int, 0, 2, 2});
  cases.push_back({ref::ZeroForm::Float, 0, 8, 8});
  for (const Case &c : cases) {
    SCOPED_TRACE(testing::Message()
                 << "zero form " << int(c.zero) << " weak rows " << c.weakRows
                 << " bits " << c.bits << " packed " << c.packedBits);
    Problem problem = makeProblem(M, K, N, c.zero, c.weakRows, rng, c.bits);
    qtc::halide::AffineMatmulOptions options;
    options.zero = affineZeroOf(c.zero);
    options.weakRows = c.weakRows > 0;
    options.packedBits = c.packedBits;
    ImageParam x(Float(32), 2);
    WeightParams w(c.zero, c.packedBits);
    auto define = gemv ? qtc::halide::defineAffineMatmulByGroups
                       : qtc::halide::defineAffineMatmul;
    qtc::halide::AffineMatmulPipeline p =
        define(gemv ? Func(x) : BoundaryConditions::repeat_edge(x), w.codes,
               w.scales, w.zeros, w.weak, Expr(static_cast<int>(K)),
               Expr(static_cast<int>(c.weakRows)), options);
    int lanes = target.natural_vector_size<float>();
    if (gemv)
      qtc::halide::scheduleAffineMatmulGemv(p, options, lanes);
    else
      qtc::halide::scheduleAffineMatmulGemm(p, options, lanes);
    x.set(Buffer<float>(problem.x.data.data(), K, M));
    w.bind(problem, K, N, c.weakRows);
    Buffer<float> y = p.output.realize({int(N), int(M)}, target);
    expectClose(
        problem, [&](int n, int m) { return y(n, m); }, gemv ? K + 3 : K + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    CpuSchedules, AffineMatmulKernelTest,
    ::testing::Combine(::testing::Values(kAvx512, kAvx512NoVnni, kAvx2),
                       ::testing::Bool()));

TEST(AffineMatmulAotTest, ShippedLotaGemvAndQeftGemm) {
  std::mt19937 rng(8);
  const int64_t K = 256, N = 576;
  // The merged LoTA layer at one token.
  Problem lota = makeProblem(1, K, N, ref::ZeroForm::Float, 0, rng);
  Runtime::Buffer<float> x(lota.x.data.data(), K, 1);
  Runtime::Buffer<int8_t> codes(
      reinterpret_cast<int8_t *>(lota.w.codes.data.data()), N, K);
  Runtime::Buffer<float> scales(lota.w.scales.data.data(), N, K / 128);
  Runtime::Buffer<float> zeros(lota.w.floatZeros.data.data(), N, K / 128);
  uint16_t unused = 0;
  Runtime::Buffer<uint16_t> noWeak(&unused, 1, 1);
  Runtime::Buffer<float> y(N, 1);
  ASSERT_EQ(qtc_lota_matmul_gemv(x, codes, scales, zeros, noWeak, y), 0);
  expectClose(
      lota, [&](int n, int m) { return y(n, m); }, K + 3);
  // The same layer from GPTQ-packed codes.
  ref::Array<int32_t> words = ref::packCodesAlongRows(lota.w.codes, 4);
  Runtime::Buffer<int32_t> packed(words.data.data(), N, K / 8);
  y.fill(0.0f);
  ASSERT_EQ(qtc_lota_matmul_packed_gemv(x, packed, scales, zeros, noWeak, y),
            0);
  expectClose(
      lota, [&](int n, int m) { return y(n, m); }, K + 3);

  // QEFT's mixed layer at 40 tokens.
  Problem qeft = makeProblem(40, K, N, ref::ZeroForm::Int, 16, rng);
  Runtime::Buffer<float> x2(qeft.x.data.data(), K, 40);
  QeftWeightViews w2(qeft, 16);
  Runtime::Buffer<float> y2(N, 40);
  ASSERT_EQ(
      qtc_qeft_matmul_gemm(x2, w2.codes, w2.scales, w2.zeros, w2.weak, y2), 0);
  expectClose(
      qeft, [&](int n, int m) { return y2(n, m); }, K + 1);

  // QEFT's layer at 5 tokens from GPTQ-packed codes.
  Problem gemv = makeProblem(5, K, N, ref::ZeroForm::Int, 16, rng);
  Runtime::Buffer<float> x3(gemv.x.data.data(), K, 5);
  QeftWeightViews w3(gemv, 16);
  ref::Array<int32_t> words3 = ref::packCodesAlongRows(gemv.w.codes, 4);
  Runtime::Buffer<int32_t> packed3(words3.data.data(), N, K / 8);
  Runtime::Buffer<float> y3(N, 5);
  ASSERT_EQ(qtc_qeft_matmul_packed_gemv(x3, packed3, w3.scales, w3.zeros,
                                        w3.weak, y3),
            0);
  expectClose(
      gemv, [&](int n, int m) { return y3(n, m); }, K + 3);

  // Its backward dX = dY W^T at 5 rows (dY read unclamped, tiles of 4 rows
  // with an overlapping last one), within the f32 bound over N terms.
  DxProblem d = makeDxProblem(gemv, 5, rng);
  Runtime::Buffer<float> dyb(d.dy.data.data(), N, 5), dx(K, 5);
  ASSERT_EQ(
      qtc_qeft_matmul_t_gemv(dyb, w3.codes, w3.scales, w3.zeros, w3.weak, dx),
      0);
  expectDxClose(d, [&](int k, int m) { return dx(k, m); });
}

} // namespace

namespace {

/// The backward dX = dY W^T (+ dY Wf^T on QEFT's weak inputs), both schedules
/// on each CPU target, within the f32 bound over the N-term dot products.
class AffineMatmulTransposedTest
    : public ::testing::TestWithParam<std::tuple<const char *, bool>> {};

TEST_P(AffineMatmulTransposedTest, WithinTheF32BoundOfTheReference) {
  auto [targetName, gemv] = GetParam();
  Target target(targetName);
  QTC_SKIP_UNLESS_HOST_RUNS(targetName);
  std::mt19937 rng(7);
  const int64_t K = 256, N = 77;
  for (ref::ZeroForm zero : {ref::ZeroForm::Int, ref::ZeroForm::Float})
    for (int64_t weakRows : {int64_t(0), int64_t(16)}) {
      // Both tilings of the GEMV schedule: one row at a time (2 rows), and
      // 4 x 4 tiles whose last one overlaps (7 rows).
      const int64_t M = !gemv ? 19 : zero == ref::ZeroForm::Int ? 2 : 7;
      // Packed codes for one of the forms (the weight is dequantized the same
      // way for every schedule).
      int packedBits = zero == ref::ZeroForm::Int && weakRows ? 4 : 0;
      SCOPED_TRACE(testing::Message()
                   << "zero form " << int(zero) << " weak rows " << weakRows
                   << " packed " << packedBits);
      // The forward problem's weight, and an upstream gradient dY [M, N].
      Problem problem = makeProblem(1, K, N, zero, weakRows, rng);
      DxProblem d = makeDxProblem(problem, M, rng);

      qtc::halide::AffineMatmulOptions options;
      options.zero = affineZeroOf(zero);
      options.weakRows = weakRows > 0;
      options.packedBits = packedBits;
      ImageParam dyP(Float(32), 2);
      WeightParams w(zero, packedBits);
      qtc::halide::AffineMatmulPipeline p =
          qtc::halide::defineAffineMatmulTransposed(
              gemv ? Func(dyP) : BoundaryConditions::repeat_edge(dyP), w.codes,
              w.scales, w.zeros, w.weak, Expr(static_cast<int>(N)),
              Expr(static_cast<int>(K)),
              Expr(static_cast<int>(std::max<int64_t>(weakRows, 1))), options);
      int lanes = target.natural_vector_size<float>();
      if (gemv)
        qtc::halide::scheduleAffineMatmulTransposedGemv(p, lanes);
      else
        qtc::halide::scheduleAffineMatmulTransposedGemm(p, lanes);
      dyP.set(Buffer<float>(d.dy.data.data(), N, M));
      w.bind(problem, K, N, weakRows);
      Buffer<float> got = p.output.realize({int(K), int(M)}, target);
      expectDxClose(d, [&](int k, int m) { return got(k, m); });
    }
}

INSTANTIATE_TEST_SUITE_P(
    CpuSchedules, AffineMatmulTransposedTest,
    ::testing::Combine(::testing::Values(kAvx512, kAvx512NoVnni, kAvx2),
                       ::testing::Bool()));

} // namespace
