//===- AffineMseGridTest.cpp - OWQ's MSE-grid quantizer (NUMERICS.md 5) ---===//
//
// Properties of the search; that it chooses what the authors' code chooses
// is checked against torch in test/interop/qeft-local.test.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/AffineMseGrid.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>

using namespace qtc::ref;
using qtc::Status;

namespace {

/// mean_k |w - Q(w)|^2.4 of column n, the score the search minimizes.
double score(const Array<float> &w, const AffineTensor &q, int64_t n) {
  Array<float> back = dequantizeAffine(q);
  double sum = 0;
  for (int64_t k = 0; k < w.dim(0); ++k)
    sum += std::pow(std::fabs(double(w.at(k, n)) - back.at(k, n)), 2.4);
  return sum / double(w.dim(0));
}

/// Heavy-tailed columns (Student t, 3 degrees of freedom), where clipping
/// the range pays.
Array<float> heavyTailed(int64_t k, int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::student_t_distribution<double> t(3.0);
  Array<float> w({k, n});
  for (float &x : w.data)
    x = static_cast<float>(0.02 * t(rng));
  return w;
}

TEST(AffineMseGridTest, ReproducesAColumnOnItsGridExactly) {
  // 16 levels of 0.5 from -1.5: the full range (grid point 40) with the
  // zero-point shift 3 scores 0, and nothing scores lower.
  Array<float> w({16, 1});
  for (int64_t k = 0; k < 16; ++k)
    w.at(k, 0) = 0.5f * float(k) - 1.5f;
  AffineTensor q;
  ASSERT_TRUE(quantizeAffineMseGrid(w, 4, 40, q).ok());
  EXPECT_EQ(q.group, 16);
  EXPECT_EQ(q.scales.at(0, 0), 0.5f);
  EXPECT_EQ(q.intZeros.at(0, 0), 3);
  EXPECT_EQ(dequantizeAffine(q).data, w.data);
}

TEST(AffineMseGridTest, KeepsTheFirstOfEqualScores) {
  // Every candidate scores 0 on a zero column: the first (grid point 1, no
  // shift) is kept, scale 1e-8 and zero 0, where min/max widens the range
  // to [-1, 1] (scale 2/15, zero rne(7.4999996) = 7 in f32).
  Array<float> w({8, 2});
  for (int64_t k = 0; k < 8; ++k)
    w.at(k, 1) = 1.0f;
  AffineTensor q, plain;
  ASSERT_TRUE(quantizeAffineMseGrid(w, 4, 40, q).ok());
  ASSERT_TRUE(quantizeAffine(w, 4, 8, plain).ok());
  EXPECT_EQ(q.scales.at(0, 0), 1e-8f);
  EXPECT_EQ(q.intZeros.at(0, 0), 0);
  EXPECT_EQ(plain.intZeros.at(0, 0), 7);
  for (int64_t k = 0; k < 8; ++k)
    EXPECT_EQ(q.codes.at(k, 0), 0);
}

TEST(AffineMseGridTest, ClipsHeavyTailsAndNeverScoresWorseThanMinMax) {
  // Min/max is one of the candidates (the full range with its own zero), so
  // the search scores at most as badly; on heavy tails it clips most columns.
  Array<float> w = heavyTailed(128, 32, 7);
  AffineTensor mse, plain;
  ASSERT_TRUE(quantizeAffineMseGrid(w, 4, 40, mse).ok());
  ASSERT_TRUE(quantizeAffine(w, 4, 128, plain).ok());
  int clipped = 0;
  for (int64_t n = 0; n < 32; ++n) {
    EXPECT_LE(score(w, mse, n), score(w, plain, n) * (1 + 1e-5)) << n;
    clipped += mse.scales.at(0, n) < plain.scales.at(0, n);
  }
  EXPECT_GT(clipped, 16);
}

TEST(AffineMseGridTest, TheScaleIsAGridPoint) {
  // The kept range is [0, range * i / grid] shifted by whole steps, so
  // widening it to include 0 gives back the grid point's scale.
  Array<float> w = heavyTailed(64, 16, 11);
  for (int64_t grid : {1, 7, 40}) {
    AffineTensor q;
    ASSERT_TRUE(quantizeAffineMseGrid(w, 4, grid, q).ok());
    for (int64_t n = 0; n < 16; ++n) {
      float lo = 0, hi = 0;
      for (int64_t k = 0; k < 64; ++k) {
        lo = std::min(lo, w.at(k, n));
        hi = std::max(hi, w.at(k, n));
      }
      double steps = double(q.scales.at(0, n)) * 15 / (hi - lo) * grid;
      EXPECT_NEAR(steps, std::nearbyint(steps), 1e-4) << "grid " << grid;
      EXPECT_GE(std::nearbyint(steps), 1);
      EXPECT_LE(std::nearbyint(steps), grid);
    }
    if (grid == 1) // one range only: the column's own, as min/max
      for (int64_t n = 0; n < 16; ++n) {
        AffineTensor plain;
        ASSERT_TRUE(quantizeAffine(w, 4, 64, plain).ok());
        EXPECT_EQ(q.scales.at(0, n), plain.scales.at(0, n));
      }
  }
}

TEST(AffineMseGridTest, ColumnsAreIndependent) {
  Array<float> w = heavyTailed(32, 6, 3);
  AffineTensor all;
  ASSERT_TRUE(quantizeAffineMseGrid(w, 3, 40, all).ok());
  for (int64_t n = 0; n < 6; ++n) {
    Array<float> column({32, 1});
    for (int64_t k = 0; k < 32; ++k)
      column.at(k, 0) = w.at(k, n);
    AffineTensor one;
    ASSERT_TRUE(quantizeAffineMseGrid(column, 3, 40, one).ok());
    EXPECT_EQ(one.scales.at(0, 0), all.scales.at(0, n));
    EXPECT_EQ(one.intZeros.at(0, 0), all.intZeros.at(0, n));
    for (int64_t k = 0; k < 32; ++k)
      EXPECT_EQ(one.codes.at(k, 0), all.codes.at(k, n));
  }
}

TEST(AffineMseGridTest, RefusesWhatItCannotScale) {
  AffineTensor q;
  Array<float> w({4, 2});
  w.at(1, 1) = std::nanf("");
  Status notANumber = quantizeAffineMseGrid(w, 4, 40, q);
  ASSERT_FALSE(notANumber.ok());
  EXPECT_NE(notANumber.message().find("non-finite value nan at flat index 3"),
            std::string::npos)
      << notANumber.message();
  // Finite, but max - min overflows f32 (NUMERICS.md 3).
  w.at(1, 1) = FLT_MAX;
  w.at(2, 1) = -FLT_MAX;
  Status range = quantizeAffineMseGrid(w, 4, 40, q);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.message().find("column 1 spans"), std::string::npos)
      << range.message();
  EXPECT_FALSE(quantizeAffineMseGrid(Array<float>({4, 2}), 9, 40, q).ok());
  EXPECT_FALSE(quantizeAffineMseGrid(Array<float>({4, 2}), 4, 0, q).ok());
}

} // namespace
