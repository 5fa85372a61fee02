//===- GseGemvKernelTest.cpp - The GSE GEMV form vs the reference ---------===//
//
// The GEMV form reassociates the f32 sum (lanes of 4-element dot products),
// so it is checked against its own rigorous bound: |c - c_ref| <=
// (K/4 + 1) (2^-24 sum over chunks |chunk * 2^(sA + sB)| + 2^-149), the
// relative error of K/4 f32 additions plus one subnormal step each.
// Both CPU targets through the JIT, the shipped AOT library, M = 1..8.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/GseMatmul.h"
#include "codegen/reference/Gse.h"
#include "qtc_gse_matmul_gemv.h"
#include "test/unit/halide/CpuTargets.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace Halide;
namespace ref = qtc::ref;
using qtc::halide::test::kAvx2;
using qtc::halide::test::kAvx512;
using qtc::halide::test::kAvx512NoVnni;

namespace {

struct Operands {
  ref::GseTensor a, b;
  ref::Array<float> expected;
  ref::Array<double> bound;
};

Operands makeOperands(int64_t M, int64_t N, int64_t K, float scale,
                      std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ref::Array<float> x({M, K}), w({N, K});
  for (int64_t i = 0; i < x.numel(); ++i)
    x[i] = normal(rng) * scale * std::ldexp(1.0f, int(i % 9) - 4);
  for (float &v : w.data)
    v = normal(rng) * scale;
  Operands o;
  EXPECT_TRUE(ref::quantizeGse(x, 1, ref::GseFormat(), 0, o.a).ok());
  EXPECT_TRUE(ref::quantizeGse(w, 1, ref::GseFormat(), 0, o.b).ok());
  o.expected = ref::gseMatmul(o.a, false, o.b, true, ref::Accumulation::F32);
  o.bound = ref::Array<double>({M, N});
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0;
      for (int64_t q = 0; q < K / 4; ++q) {
        int64_t chunk = 0;
        for (int64_t k = 4 * q; k < 4 * q + 4; ++k)
          chunk += o.a.mantissas.at(m, k) * o.b.mantissas.at(n, k);
        int e = o.a.exponents.at(m, q / 8) + o.b.exponents.at(n, q / 8);
        sum += std::ldexp(std::fabs(double(chunk)), e);
      }
      o.bound.at(m, n) =
          (K / 4 + 1) * (std::ldexp(sum, -24) + std::ldexp(1.0, -149));
    }
  return o;
}

void expectWithinBound(const Operands &o,
                       const std::function<float(int, int)> &c) {
  int failures = 0;
  for (int64_t m = 0; m < o.expected.dim(0); ++m)
    for (int64_t n = 0; n < o.expected.dim(1) && failures < 3; ++n)
      if (!(std::fabs(c(int(n), int(m)) - o.expected.at(m, n)) <=
            o.bound.at(m, n))) {
        ADD_FAILURE() << "(" << m << ", " << n << "): " << c(int(n), int(m))
                      << " vs " << o.expected.at(m, n) << ", bound "
                      << o.bound.at(m, n);
        ++failures;
      }
}

class GseGemvKernelTest : public ::testing::TestWithParam<const char *> {};

TEST_P(GseGemvKernelTest, WithinItsSummationBound) {
  Target target(GetParam());
  QTC_SKIP_UNLESS_HOST_RUNS(GetParam());
  ImageParam am(Int(8), 2), ae(Int(8), 2), bm(Int(8), 2), be(Int(8), 2);
  qtc::halide::GseGemvPipeline p = qtc::halide::defineGseGemv(
      am, ae, bm, be, am.dim(0).extent(), 32,
      target.has_feature(Target::AVX512_SapphireRapids));
  qtc::halide::scheduleGseGemvCpu(p, target.natural_vector_size<int32_t>());
  p.output.compile_jit(target);
  std::mt19937 rng(21);
  for (int64_t M : {1, 3, 8})
    for (float scale : {1e-22f, 1.0f, 1e17f}) {
      SCOPED_TRACE(testing::Message() << "M " << M << " scale " << scale);
      // K = 544: 17 groups, an odd number of 16-lane steps.
      const int64_t N = 37, K = 544;
      Operands o = makeOperands(M, N, K, scale, rng);
      am.set(Buffer<int8_t>(o.a.mantissas.data.data(), K, M));
      ae.set(Buffer<int8_t>(o.a.exponents.data.data(), K / 32, M));
      bm.set(Buffer<int8_t>(o.b.mantissas.data.data(), K, N));
      be.set(Buffer<int8_t>(o.b.exponents.data.data(), K / 32, N));
      Buffer<float> c = p.output.realize({int(N), int(M)}, target);
      expectWithinBound(o, [&](int n, int m) { return c(n, m); });
    }
}

INSTANTIATE_TEST_SUITE_P(CpuSchedules, GseGemvKernelTest,
                         ::testing::Values(kAvx512, kAvx512NoVnni, kAvx2));

TEST(GseGemvAotTest, ShippedLibraryWithinItsBound) {
  std::mt19937 rng(22);
  const int64_t M = 2, N = 100, K = 4096;
  Operands o = makeOperands(M, N, K, 0.5f, rng);
  Runtime::Buffer<int8_t> am(o.a.mantissas.data.data(), K, M),
      ae(o.a.exponents.data.data(), K / 32, M),
      bm(o.b.mantissas.data.data(), K, N),
      be(o.b.exponents.data.data(), K / 32, N);
  Runtime::Buffer<float> c(static_cast<int>(N), static_cast<int>(M));
  ASSERT_EQ(qtc_gse_matmul_gemv(am, ae, bm, be, c), 0);
  expectWithinBound(o, [&](int n, int m) { return c(n, m); });
}

} // namespace
