//===- F32MatmulAotTest.cpp - f32 matmuls and LoTA's dDW vs the reference -===//
//
// The three LoRA layouts and the fused Gw = x^T dY -> dDW kernel, within the
// f32 summation bound of the reference (which sums in double): for dDW the
// bound of Gw carried through the scale and the group mean.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"
#include "qtc_f32_matmul_nn.h"
#include "qtc_f32_matmul_nt.h"
#include "qtc_f32_matmul_tn.h"
#include "qtc_lota_adapter_grad_a.h"
#include "qtc_lota_adapter_grad_b.h"
#include "qtc_lota_delta_grad.h"

#include "HalideBuffer.h"
#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ref = qtc::ref;

namespace {

ref::Array<float> random(qtc::Shape shape, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ref::Array<float> a(std::move(shape));
  for (float &v : a.data)
    v = normal(rng);
  return a;
}

Halide::Runtime::Buffer<float> view(ref::Array<float> &a) {
  return Halide::Runtime::Buffer<float>(a.data.data(), int(a.dim(1)),
                                        int(a.dim(0)));
}

/// |op(a) op(b)| summed term by term, for the error bound.
ref::Array<float> magnitudes(const ref::Array<float> &a, bool ta,
                             const ref::Array<float> &b, bool tb) {
  ref::Array<float> absA = a, absB = b;
  for (float &v : absA.data)
    v = std::fabs(v);
  for (float &v : absB.data)
    v = std::fabs(v);
  return ref::matmul(absA, ta, absB, tb);
}

TEST(F32MatmulAotTest, LoraLayoutsWithinTheF32Bound) {
  std::mt19937 rng(16);
  const int64_t M = 13, K = 70, N = 64;
  struct Layout {
    bool ta, tb;
    int (*kernel)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                  double, halide_buffer_t *);
  };
  for (Layout layout : {Layout{false, false, qtc_f32_matmul_nn},
                        Layout{true, false, qtc_f32_matmul_tn},
                        Layout{false, true, qtc_f32_matmul_nt}}) {
    ref::Array<float> a =
        random(layout.ta ? qtc::Shape{K, M} : qtc::Shape{M, K}, rng);
    ref::Array<float> b =
        random(layout.tb ? qtc::Shape{N, K} : qtc::Shape{K, N}, rng);
    ref::Array<float> expected = ref::matmul(a, layout.ta, b, layout.tb);
    ref::Array<float> bound = magnitudes(a, layout.ta, b, layout.tb);
    ref::Array<float> unused({1, 1});
    Halide::Runtime::Buffer<float> c(static_cast<int>(N), static_cast<int>(M));
    ASSERT_EQ(layout.kernel(view(a), view(b), view(unused), 1.0, c), 0);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n)
        ASSERT_LE(std::fabs(c(int(n), int(m)) - expected.at(m, n)),
                  (K + 1) * std::ldexp(1.0, -24) * bound.at(m, n))
            << "layout " << layout.ta << layout.tb << " at " << m << ", " << n;
  }
}

TEST(F32MatmulAotTest, LotaAdapterGradsFromTernaryOperands) {
  // dA = dDW B^T and dB = A^T dDW with A [K, r], B [r, N] ternary (i8):
  // r = 16 is narrower than an AVX-512 panel of columns.
  std::mt19937 rng(18);
  std::uniform_int_distribution<int> ternary(-1, 1);
  const int64_t K = 200, r = 16, N = 96;
  ref::Array<float> ddw = random({K, N}, rng);
  ref::Array<int8_t> a({K, r}), b({r, N});
  for (int8_t &v : a.data)
    v = static_cast<int8_t>(ternary(rng));
  for (int8_t &v : b.data)
    v = static_cast<int8_t>(ternary(rng));
  ref::Array<float> af = ref::convert<float>(a), bf = ref::convert<float>(b);
  ref::Array<float> expectedA = ref::matmul(ddw, false, bf, true);
  ref::Array<float> expectedB = ref::matmul(af, true, ddw, false);
  ref::Array<float> boundA = magnitudes(ddw, false, bf, true);
  ref::Array<float> boundB = magnitudes(af, true, ddw, false);
  Halide::Runtime::Buffer<int8_t> ab(a.data.data(), int(r), int(K)),
      bb(b.data.data(), int(N), int(r));
  ref::Array<float> unused({1, 1});
  Halide::Runtime::Buffer<float> da(static_cast<int>(r), static_cast<int>(K)),
      db(static_cast<int>(N), static_cast<int>(r));
  ASSERT_EQ(qtc_lota_adapter_grad_a(view(ddw), bb, view(unused), 1.0, da), 0);
  ASSERT_EQ(qtc_lota_adapter_grad_b(ab, view(ddw), view(unused), 1.0, db), 0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < r; ++j)
      ASSERT_LE(std::fabs(da(int(j), int(k)) - expectedA.at(k, j)),
                (N + 1) * std::ldexp(1.0, -24) * boundA.at(k, j))
          << "dA at " << k << ", " << j;
  for (int64_t j = 0; j < r; ++j)
    for (int64_t n = 0; n < N; ++n)
      ASSERT_LE(std::fabs(db(int(n), int(j)) - expectedB.at(j, n)),
                (K + 1) * std::ldexp(1.0, -24) * boundB.at(j, n))
          << "dB at " << j << ", " << n;
}

TEST(F32MatmulAotTest, LotaDeltaGradWithinTheBound) {
  std::mt19937 rng(17);
  const int64_t T = 9, K = 256, N = 96;
  ref::Array<float> x = random({T, K}, rng), dy = random({T, N}, rng);
  ref::AffineTensor w;
  ASSERT_TRUE(ref::quantizeAffine(random({K, N}, rng), 4, 128, w).ok());
  double omega = 12.0;
  ref::Array<float> gw = ref::matmul(x, true, dy, false);
  ref::Array<float> expected =
      ref::lotaDeltaGrad(gw, w, omega, ref::OffsetScale::InvOmega);
  ref::Array<float> bound = magnitudes(x, true, dy, false);
  Halide::Runtime::Buffer<float> out(static_cast<int>(N), static_cast<int>(K));
  ASSERT_EQ(
      qtc_lota_delta_grad(view(x), view(dy), view(w.scales), 1.0 / omega, out),
      0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < K / 128; ++g) {
      // An error e in Gw moves dDW by s e + (s / omega) mean(e).
      double meanBound = 0;
      for (int64_t k = g * 128; k < (g + 1) * 128; ++k)
        meanBound += bound.at(k, n);
      meanBound /= 128;
      for (int64_t k = g * 128; k < (g + 1) * 128; ++k) {
        double s = w.scales.at(g, n);
        double tolerance = (T + 1) * std::ldexp(1.0, -24) * s *
                               (bound.at(k, n) + meanBound / omega) +
                           4 * std::ldexp(std::fabs(expected.at(k, n)), -24);
        ASSERT_LE(std::fabs(out(int(n), int(k)) - expected.at(k, n)), tolerance)
            << "at " << k << ", " << n;
      }
    }
}

} // namespace
