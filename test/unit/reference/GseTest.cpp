//===- GseTest.cpp - GSE-int numerics against NUMERICS.md 1 ---------------===//
#include "codegen/reference/Gse.h"
#include "test/unit/reference/TestUtils.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc::ref;
using qtc::ref::test::randomArray;

namespace {

const std::vector<float> kWorkedGroup = {0.91f,   -0.033f, 0.25f, -1.995f,
                                         0.0049f, 0.6f,    -0.42f, 1.3f};

GseTensor quantizeOrDie(const Array<float> &x, int64_t axis,
                        const GseFormat &format, uint64_t seed = 0) {
  GseTensor q;
  qtc::Status status = quantizeGse(x, axis, format, seed, q);
  EXPECT_TRUE(status.ok()) << status.message();
  return q;
}

std::vector<int> mantissas(const GseTensor &q) {
  return std::vector<int>(q.mantissas.data.begin(), q.mantissas.data.end());
}

GseFormat format(int bits, int group, ExpRule rule = ExpRule::Floor,
                 Rounding rounding = Rounding::RNE, int expBits = 8) {
  GseFormat f;
  f.bits = bits;
  f.group = group;
  f.expRule = rule;
  f.rounding = rounding;
  f.expBits = expBits;
  return f;
}

TEST(GseTest, WorkedExampleEightBitFloor) {
  GseTensor q = quantizeOrDie(Array<float>({8}, kWorkedGroup), 0, format(8, 8));
  EXPECT_EQ(q.exponents[0], -6);
  EXPECT_EQ(mantissas(q), (std::vector<int>{58, -2, 16, -127, 0, 38, -27, 83}));
}

TEST(GseTest, WorkedExampleEightBitCeil) {
  GseTensor q = quantizeOrDie(Array<float>({8}, kWorkedGroup), 0,
                              format(8, 8, ExpRule::Ceil));
  EXPECT_EQ(q.exponents[0], -5);
  EXPECT_EQ(mantissas(q), (std::vector<int>{29, -1, 8, -64, 0, 19, -13, 42}));
}

TEST(GseTest, WorkedExampleSixBitFloor) {
  GseTensor q = quantizeOrDie(Array<float>({8}, kWorkedGroup), 0, format(6, 8));
  EXPECT_EQ(q.exponents[0], -4);
  EXPECT_EQ(mantissas(q), (std::vector<int>{15, -1, 4, -31, 0, 10, -7, 21}));
}

TEST(GseTest, RoundTripErrorIsAtMostHalfAStep) {
  std::mt19937 rng(1);
  for (int bits : {2, 4, 6, 8})
    for (ExpRule rule : {ExpRule::Floor, ExpRule::Ceil}) {
      Array<float> x = randomArray({16, 64}, rng, 3.0);
      GseTensor q = quantizeOrDie(x, 1, format(bits, 32, rule));
      Array<float> back = dequantizeGse(q);
      for (int64_t i = 0; i < x.numel(); ++i) {
        float step = std::ldexp(1.0f, q.exponents[i / 32]);
        // The floor rule may clip the group's largest element (one below
        // 2^(b-1)); everything else is within half a step.
        float bound = step / 2;
        if (rule == ExpRule::Floor)
          bound = std::max(bound,
                           std::fabs(x[i]) - (q.format.maxMantissa()) * step);
        EXPECT_LE(std::fabs(x[i] - back[i]), bound)
            << "bits " << bits << " element " << i;
      }
    }
}

TEST(GseTest, CeilRuleNeverClips) {
  std::mt19937 rng(2);
  for (int bits : {2, 3, 4, 8}) {
    Array<float> x = randomArray({4, 256}, rng, 100.0);
    GseTensor q = quantizeOrDie(x, 1, format(bits, 32, ExpRule::Ceil));
    Array<float> back = dequantizeGse(q);
    for (int64_t i = 0; i < x.numel(); ++i) {
      float step = std::ldexp(1.0f, q.exponents[i / 32]);
      EXPECT_LE(std::fabs(x[i] - back[i]), step / 2) << "bits " << bits;
    }
  }
}

TEST(GseTest, FloorRuleClipsTheMinimumCode) {
  // -1.995 scales to -127.68, which rounds to -128 and is clamped.
  Array<float> x({8}, kWorkedGroup);
  GseTensor q = quantizeOrDie(x, 0, format(8, 8));
  for (int8_t m : q.mantissas.data)
    EXPECT_GE(m, -127);
}

TEST(GseTest, ExponentRangeIsClampedBothWays) {
  GseFormat f = format(8, 8, ExpRule::Floor, Rounding::RNE, /*expBits=*/4);
  // Tiny values want s far below -8: s is clamped up and values flush to 0.
  Array<float> tiny({8}, std::vector<float>(8, 1e-6f));
  GseTensor q = quantizeOrDie(tiny, 0, f);
  EXPECT_EQ(q.exponents[0], -8);
  EXPECT_EQ(q.mantissas[0], 0);
  // Huge values want s above 7: s is clamped down and mantissas saturate.
  Array<float> huge({8}, std::vector<float>(8, -1e6f));
  q = quantizeOrDie(huge, 0, f);
  EXPECT_EQ(q.exponents[0], 7);
  EXPECT_EQ(q.mantissas[0], -127);
}

TEST(GseTest, MantissasSaturateAtFltMax) {
  // NUMERICS.md 1, overflow: the ceil rule picks s = 127 for 3e38 at 3 bits,
  // where round(3e38 / 2^127) = 2 would dequantize to 2^128 = inf; it is
  // clamped to 1, the largest |m| with |m| * 2^127 <= FLT_MAX.
  std::vector<float> group(8, 1.0f);
  group[0] = 3e38f;
  group[1] = -3e38f;
  GseTensor q =
      quantizeOrDie(Array<float>({8}, group), 0, format(3, 8, ExpRule::Ceil));
  EXPECT_EQ(q.exponents[0], 127);
  EXPECT_EQ(q.mantissas[0], 1);
  EXPECT_EQ(q.mantissas[1], -1);
  Array<float> back = dequantizeGse(q);
  for (float v : back.data)
    EXPECT_TRUE(std::isfinite(v)) << v;
  EXPECT_EQ(back[0], std::ldexp(1.0f, 127));
  // Every format on values up to FLT_MAX: dequantize is always finite.
  for (int bits : {2, 3, 4, 8})
    for (ExpRule rule : {ExpRule::Floor, ExpRule::Ceil}) {
      Array<float> x({8}, std::vector<float>(8, 3.4028235e38f));
      x[3] = -3.3e38f;
      for (float v : dequantizeGse(quantizeOrDie(x, 0, format(bits, 8, rule))).data)
        EXPECT_TRUE(std::isfinite(v)) << "bits " << bits;
    }
}

TEST(GseTest, ZeroGroupHasTheMinimumExponent) {
  GseTensor q = quantizeOrDie(Array<float>({2, 8}), 1, format(8, 8));
  EXPECT_EQ(q.exponents[0], -128);
  EXPECT_EQ(q.mantissas[3], 0);
}

TEST(GseTest, GroupsRunAlongTheChosenAxis) {
  // Row 0 is large, row 1 small: along axis 1 each row has its own exponent,
  // along axis 0 each column shares one.
  Array<float> x({2, 8});
  for (int j = 0; j < 8; ++j) {
    x.at(0, j) = 64.0f;
    x.at(1, j) = 1.0f;
  }
  GseTensor rows = quantizeOrDie(x, 1, format(8, 8));
  EXPECT_EQ(rows.exponents.shape, (qtc::Shape{2, 1}));
  EXPECT_EQ(rows.exponents[0] - rows.exponents[1], 6);
  GseFormat pairs = format(8, 8);
  pairs.group = 2;
  GseTensor columns = quantizeOrDie(x, 0, pairs);
  EXPECT_EQ(columns.exponents.shape, (qtc::Shape{1, 8}));
  EXPECT_EQ(columns.mantissas.at(1, 0), 1); // 1.0 at 64's exponent 0
}

TEST(GseTest, NonFiniteInputIsAnError) {
  Array<float> x({8}, kWorkedGroup);
  x[3] = NAN;
  GseTensor q;
  qtc::Status status = quantizeGse(x, 0, format(8, 8), 0, q);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("non-finite"), std::string::npos);
  x[3] = INFINITY;
  EXPECT_FALSE(quantizeGse(x, 0, format(8, 8), 0, q).ok());
}

TEST(GseTest, GroupMustDivideTheAxis) {
  GseTensor q;
  EXPECT_FALSE(quantizeGse(Array<float>({2, 12}), 1, format(8, 8), 0, q).ok());
}

TEST(GseTest, StochasticRoundingIsDeterministicPerSeed) {
  std::mt19937 rng(3);
  Array<float> x = randomArray({8, 64}, rng);
  GseFormat f = format(4, 32, ExpRule::Floor, Rounding::Stochastic);
  GseTensor a = quantizeOrDie(x, 1, f, 42), b = quantizeOrDie(x, 1, f, 42);
  GseTensor c = quantizeOrDie(x, 1, f, 43);
  EXPECT_EQ(a.mantissas.data, b.mantissas.data);
  EXPECT_NE(a.mantissas.data, c.mantissas.data);
}

TEST(GseTest, StochasticRoundingIsUnbiased) {
  // x / 2^s = 1.3 at every element: rounding up 30% of the time. Over n
  // independent draws the mean error has standard deviation
  // sqrt(0.3 * 0.7 / n); allow five of them.
  const int n = 32 * 2000;
  Array<float> x({n});
  for (int64_t i = 0; i < n; ++i)
    x[i] = i % 32 == 0 ? 100.0f : 1.3f; // 100 fixes s = 6 - 6 = 0
  GseTensor q = quantizeOrDie(
      x, 0, format(8, 32, ExpRule::Floor, Rounding::Stochastic), 7);
  double sum = 0;
  int count = 0;
  for (int64_t i = 0; i < n; ++i)
    if (i % 32 != 0) {
      sum += q.mantissas[i] - 1.3;
      ++count;
    }
  double sigma = std::sqrt(0.21 / count);
  EXPECT_LT(std::fabs(sum / count), 5 * sigma);
  // And it is not round-to-nearest in disguise.
  int ups = 0;
  for (int64_t i = 1; i < n; i += 32)
    ups += q.mantissas[i] == 2;
  EXPECT_GT(ups, 0);
}

TEST(GseTest, RoundingModesDifferOnlyOnTies) {
  Array<float> x({8}, std::vector<float>{64, 2.5f, -2.5f, 3.5f, 1, 0, 0, 0});
  GseTensor rne = quantizeOrDie(x, 0, format(8, 8)); // s = 0
  GseTensor rna =
      quantizeOrDie(x, 0, format(8, 8, ExpRule::Floor, Rounding::RNA));
  EXPECT_EQ(rne.mantissas[1], 2);
  EXPECT_EQ(rna.mantissas[1], 3);
  EXPECT_EQ(rne.mantissas[2], -2);
  EXPECT_EQ(rna.mantissas[2], -3);
  EXPECT_EQ(rne.mantissas[3], 4);
  EXPECT_EQ(rna.mantissas[3], 4);
}

/// The exact value of op(a) op(b) as integers at the smallest exponent.
double exactDot(const GseTensor &a, const GseTensor &b, int64_t m, int64_t n,
                int64_t K) {
  __int128 sum = 0;
  int minExp = 1000;
  for (int64_t k = 0; k < K; ++k)
    minExp = std::min(minExp, a.exponents.at(m, k / a.format.group) +
                                  b.exponents.at(k / b.format.group, n));
  for (int64_t k = 0; k < K; ++k) {
    int e = a.exponents.at(m, k / a.format.group) +
            b.exponents.at(k / b.format.group, n);
    // Times 2^(e - minExp), not `<<`: shifting a negative value is
    // undefined (UBSan).
    sum += static_cast<__int128>(a.mantissas.at(m, k) * b.mantissas.at(k, n)) *
           (static_cast<__int128>(1) << (e - minExp));
  }
  return std::ldexp(static_cast<double>(static_cast<float>(sum)), minExp);
}

TEST(GseTest, WideIntMatmulIsExact) {
  std::mt19937 rng(4);
  // Row scales spread over 2^-10..2^10 so group exponents differ.
  Array<float> x = randomArray({4, 128}, rng), w = randomArray({128, 6}, rng);
  for (int64_t k = 0; k < 128; ++k)
    for (int64_t j = 0; j < 4; ++j)
      x.at(j, k) *= std::ldexp(1.0f, static_cast<int>(k / 32) * 5 - 10);
  GseTensor a = quantizeOrDie(x, 1, format(8, 32));
  GseTensor b = quantizeOrDie(w, 0, format(8, 32));
  Array<float> c = gseMatmul(a, false, b, false, Accumulation::WideInt);
  for (int64_t m = 0; m < 4; ++m)
    for (int64_t n = 0; n < 6; ++n)
      EXPECT_EQ(c.at(m, n), static_cast<float>(exactDot(a, b, m, n, 128)));
}

TEST(GseTest, F32MatmulIsWithinTheStatedTolerance) {
  std::mt19937 rng(5);
  Array<float> x = randomArray({5, 256}, rng), w = randomArray({7, 256}, rng);
  GseTensor a = quantizeOrDie(x, 1, format(8, 32));
  GseTensor b = quantizeOrDie(w, 1, format(8, 32)); // [N, K]: transpose_b
  Array<float> c = gseMatmul(a, false, b, true, Accumulation::F32);
  Array<float> exact = gseMatmul(a, false, b, true, Accumulation::WideInt);
  for (int64_t m = 0; m < 5; ++m)
    for (int64_t n = 0; n < 7; ++n) {
      double partials = 0;
      for (int64_t g = 0; g < 8; ++g) {
        int64_t p = 0;
        for (int64_t k = g * 32; k < (g + 1) * 32; ++k)
          p += a.mantissas.at(m, k) * b.mantissas.at(n, k);
        partials += std::ldexp(std::fabs(static_cast<double>(p)),
                               a.exponents.at(m, g) + b.exponents.at(n, g));
      }
      EXPECT_LE(std::fabs(c.at(m, n) - exact.at(m, n)), 1e-6 * partials);
    }
}

} // namespace
