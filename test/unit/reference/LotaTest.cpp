//===- LotaTest.cpp - LoTA-QAF numerics (NUMERICS.md 4) -------------------===//
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Optimizer.h"
#include "test/unit/reference/TestUtils.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc::ref;
using qtc::ref::test::randomArray;
using qtc::ref::test::randomTernary;

namespace {

/// A 4-bit base whose codes include both ends of the range.
AffineTensor extremeBase(std::mt19937 &rng, int64_t K, int64_t N) {
  AffineTensor w;
  EXPECT_TRUE(quantizeAffine(randomArray({K, N}, rng), 4, 32, w).ok());
  for (int64_t k = 0; k < K; k += 3)
    w.codes.at(k, k % N) = k % 2 ? 15 : 0;
  return w;
}

TEST(LotaTest, MasksKeepCodesInRange) {
  std::mt19937 rng(1);
  AffineTensor w = extremeBase(rng, 64, 16);
  for (int trial = 0; trial < 5; ++trial) {
    Array<int8_t> a = randomTernary({64, 8}, rng), b = randomTernary({8, 16}, rng);
    Array<int32_t> dw = ternaryProduct(a, b);
    Array<int8_t> what = maskedThreshold(dw, w, 0.25 * 8); // many moves
    int moves = 0;
    for (int64_t i = 0; i < what.numel(); ++i) {
      int q = w.codes[i] + what[i];
      EXPECT_GE(q, 0);
      EXPECT_LE(q, 15);
      EXPECT_LE(std::abs(dw[i]), 8);
      moves += what[i] != 0;
    }
    EXPECT_GT(moves, 0);
  }
}

TEST(LotaTest, ThresholdIsStrictAndSigned) {
  AffineTensor w;
  w.bits = 2;
  w.group = 4;
  w.codes = Array<uint8_t>({4, 1}, std::vector<uint8_t>{1, 1, 3, 0});
  Array<int32_t> dw({4, 1}, std::vector<int32_t>{3, 4, 5, -5});
  // omega 3: 3 is not above it; 4 moves up; 5 at the top code and -5 at the
  // bottom code are masked.
  Array<int8_t> what = maskedThreshold(dw, w, 3.0);
  EXPECT_EQ(std::vector<int>(what.data.begin(), what.data.end()),
            (std::vector<int>{0, 1, 0, 0}));
}

TEST(LotaTest, MergedLayerOutputEqualsTrainingOutputBitForBit) {
  std::mt19937 rng(2);
  AffineTensor w = extremeBase(rng, 128, 32);
  Array<int8_t> a = randomTernary({128, 16}, rng), b = randomTernary({16, 32}, rng);
  Array<float> x = randomArray({8, 128}, rng);
  for (OffsetScale os : {OffsetScale::InvOmega, OffsetScale::One}) {
    double omega = 0.75 * 16;
    Array<float> weff;
    ASSERT_TRUE(lotaEffectiveWeight(w, a, b, omega, os, weff).ok());
    Array<float> trained = matmul(x, false, weff, false);
    // Deployment keeps integer codes q + What and fractional zeros.
    Array<int32_t> dw = ternaryProduct(a, b);
    Array<int8_t> what = maskedThreshold(dw, w, omega);
    AffineTensor merged;
    ASSERT_TRUE(lotaMerge(w, what, lotaOffset(dw, what, w, omega, os),
                          ZeroForm::Float, merged)
                    .ok());
    for (int64_t i = 0; i < what.numel(); ++i)
      EXPECT_EQ(merged.codes[i], w.codes[i] + what[i]);
    Array<float> deployed = matmul(x, false, dequantizeAffine(merged), false);
    EXPECT_EQ(deployed.data, trained.data);
    // And W_eff is the formula s (q - z + What + U) up to rounding.
    Array<float> u = lotaOffset(dw, what, w, omega, os);
    for (int64_t k = 0; k < 128; ++k)
      for (int64_t n = 0; n < 32; ++n) {
        int64_t g = k / 32;
        double literal = w.scales.at(g, n) *
                         (w.codes.at(k, n) - double(w.intZeros.at(g, n)) +
                          what.at(k, n) + u.at(g, n));
        EXPECT_NEAR(weff.at(k, n), literal, 1e-5 * (std::fabs(literal) + 1));
      }
  }
}

TEST(LotaTest, ScaledZeroBaseTrainsAndMergesAsQ4_1) {
  // ggml's Q4_1: w = q s + zs. LoTA trains W_eff = s (q + What + U) + zs and
  // merges into zs' = zs + s U; a fractional-zero base is refused.
  std::mt19937 rng(5);
  AffineTensor w = extremeBase(rng, 128, 32);
  w.zeroForm = ZeroForm::Scaled;
  w.floatZeros = Array<float>(w.scales.shape);
  std::uniform_real_distribution<float> zero(-0.1f, 0.1f);
  for (float &z : w.floatZeros.data)
    z = zero(rng);
  w.intZeros = Array<uint8_t>();
  Array<int8_t> a = randomTernary({128, 16}, rng), b = randomTernary({16, 32}, rng);
  double omega = 0.2 * 16; // many moves
  Array<float> weff;
  ASSERT_TRUE(
      lotaEffectiveWeight(w, a, b, omega, OffsetScale::InvOmega, weff).ok());
  Array<int32_t> dw = ternaryProduct(a, b);
  Array<int8_t> what = maskedThreshold(dw, w, omega);
  Array<float> u = lotaOffset(dw, what, w, omega, OffsetScale::InvOmega);
  AffineTensor merged;
  ASSERT_TRUE(lotaMerge(w, what, u, ZeroForm::Scaled, merged).ok());
  EXPECT_EQ(dequantizeAffine(merged).data, weff.data);
  int64_t moved = 0;
  for (int64_t k = 0; k < 128; ++k)
    for (int64_t n = 0; n < 32; ++n) {
      int64_t g = k / 32;
      moved += what.at(k, n) != 0;
      EXPECT_EQ(merged.floatZeros.at(g, n),
                w.floatZeros.at(g, n) + w.scales.at(g, n) * u.at(g, n));
      double literal =
          double(w.scales.at(g, n)) *
              (w.codes.at(k, n) + what.at(k, n) + double(u.at(g, n))) +
          w.floatZeros.at(g, n);
      EXPECT_NEAR(weff.at(k, n), literal, 1e-5 * (std::fabs(literal) + 1));
    }
  EXPECT_GT(moved, 0);
  AffineTensor fractional;
  EXPECT_FALSE(lotaMerge(w, what, u, ZeroForm::Float, fractional).ok());
}

TEST(LotaTest, OffsetIsTheGroupMeanOfTheResidual) {
  AffineTensor w;
  w.bits = 4;
  w.group = 2;
  w.codes = Array<uint8_t>({2, 1}, std::vector<uint8_t>{7, 7});
  w.scales = Array<float>({1, 1}, 1.0f);
  w.intZeros = Array<uint8_t>({1, 1}, 8);
  Array<int32_t> dw({2, 1}, std::vector<int32_t>{5, 1});
  Array<int8_t> what({2, 1}, std::vector<int8_t>{1, 0});
  // R = [5 - 3, 1] = [2, 1], mean 1.5; inv_omega divides by omega = 3.
  EXPECT_EQ(lotaOffset(dw, what, w, 3.0, OffsetScale::One)[0], 1.5f);
  EXPECT_EQ(lotaOffset(dw, what, w, 3.0, OffsetScale::InvOmega)[0], 0.5f);
}

TEST(LotaTest, TSignSgdWorkedExample) {
  // NUMERICS.md 4: level 0.75 gives threshold 0.625; entries 2 and 4 move.
  std::vector<float> mags = {.5f, .02f, .9f, .3f, .7f, .05f, 1e-12f, .6f};
  Array<float> g({8});
  for (int i = 0; i < 8; ++i)
    g[i] = -mags[i];
  float threshold = 0;
  ASSERT_TRUE(quantile(g, 0.75, true, threshold).ok());
  EXPECT_FLOAT_EQ(threshold, 0.625f);
  Array<int8_t> p({8}, std::vector<int8_t>{1, 0, -1, 0, 1, -1, 0, 0});
  Array<int8_t> next;
  ASSERT_TRUE(tsignUpdate(p, g, 0.75, 1.0, next).ok());
  EXPECT_EQ(std::vector<int>(next.data.begin(), next.data.end()),
            (std::vector<int>{1, 0, 0, 0, 1, -1, 0, 0}));
}

TEST(LotaTest, TSignSgdSchedule) {
  EXPECT_NEAR(tsignLevel(1, 100), 0.95 + 0.049 / 80, 1e-12);
  EXPECT_DOUBLE_EQ(tsignLevel(80, 100), 0.999);
  EXPECT_NEAR(tsignLevel(90, 100), 0.99945, 1e-12);
  EXPECT_DOUBLE_EQ(tsignLevel(100, 100), 0.9999);
}

TEST(LotaTest, TSignSgdUpperCutOnlyLateWithLargeNorm) {
  // 100000 gradients 1..100000: the 0.99995 quantile cuts the top few.
  Array<float> g({100000});
  for (int i = 0; i < 100000; ++i)
    g[i] = static_cast<float>(i + 1);
  Array<int8_t> p({100000}), early, lateSmall, lateLarge;
  ASSERT_TRUE(tsignSgd(p, g, 10, 100, 100.0f, early).ok());
  ASSERT_TRUE(tsignSgd(p, g, 100, 100, 1.0f, lateSmall).ok());
  ASSERT_TRUE(tsignSgd(p, g, 100, 100, 100.0f, lateLarge).ok());
  EXPECT_EQ(early[99999], -1); // the largest gradient moves
  EXPECT_EQ(lateSmall[99999], -1);
  EXPECT_EQ(lateLarge[99999], 0); // cut as abnormally large
  EXPECT_EQ(lateLarge[99993], -1); // 99994 < quantile 99995.00005 (f32: 99995)
  Array<int8_t> out;
  EXPECT_FALSE(tsignSgd(p, g, 0, 100, 1.0f, out).ok());
}

TEST(LotaTest, TernarizeAtThreeQuartersOfTheMeanMagnitude) {
  Array<float> x({4}, std::vector<float>{1.0f, -0.5f, 0.2f, -2.3f});
  Array<int8_t> t;
  ASSERT_TRUE(ternarize(x, t).ok()); // threshold 0.75 * 1.0
  EXPECT_EQ(std::vector<int>(t.data.begin(), t.data.end()),
            (std::vector<int>{1, 0, 0, -1}));
}

} // namespace
