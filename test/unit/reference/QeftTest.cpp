//===- QeftTest.cpp - QEFT numerics (NUMERICS.md 5) -----------------------===//
#include "codegen/reference/Qeft.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Optimizer.h"
#include "test/unit/reference/TestUtils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace qtc::ref;
using qtc::ref::test::randomArray;

namespace {

TEST(QeftTest, HessianAccumulatesAsOneBatch) {
  std::mt19937 rng(1);
  Array<float> x = randomArray({12, 16}, rng);
  Array<float> first({5, 16}), second({7, 16});
  std::copy_n(x.data.begin(), 5 * 16, first.data.begin());
  std::copy(x.data.begin() + 5 * 16, x.data.end(), second.data.begin());
  int64_t n1 = 0, n2 = 0, nAll = 0;
  Array<float> h = hessianAccumulate(Array<float>({16, 16}), 0, first, n1);
  h = hessianAccumulate(h, n1, second, n2);
  Array<float> all = hessianAccumulate(Array<float>({16, 16}), 0, x, nAll);
  EXPECT_EQ(n2, 12);
  for (int64_t i = 0; i < h.numel(); ++i)
    EXPECT_NEAR(h[i], all[i], 1e-5 * (std::fabs(all[i]) + 1));
  // H = (2/N) x^T x.
  Array<float> direct = scale(matmul(x, true, x, false), 2.0f / 12);
  for (int64_t i = 0; i < h.numel(); ++i)
    EXPECT_NEAR(all[i], direct[i], 1e-5 * (std::fabs(direct[i]) + 1));
}

TEST(QeftTest, GlobalSelectionFindsPlantedOutliers) {
  std::mt19937 rng(2);
  const std::vector<int64_t> planted = {3, 17, 40, 61};
  std::vector<Array<float>> hessians;
  for (int layer = 0; layer < 3; ++layer) {
    Array<float> x = randomArray({32, 64}, rng);
    for (int64_t t = 0; t < 32; ++t)
      for (int64_t j : planted)
        x.at(t, j) *= 20.0f; // outlier activation channels
    int64_t n = 0;
    hessians.push_back(hessianAccumulate(Array<float>({64, 64}), 0, x, n));
  }
  std::vector<int64_t> found;
  ASSERT_TRUE(weakColumnsGlobal(hessians, 4, found).ok());
  EXPECT_EQ(found, planted);
}

TEST(QeftTest, LocalSelectionWeighsQuantizationError) {
  // Equal Hessian diagonal: the rows whose values sit between 4-bit levels
  // (large error) are chosen over rows that quantize exactly.
  Array<float> h({8, 8});
  for (int j = 0; j < 8; ++j)
    h.at(j, j) = 1.0f;
  Array<float> w({8, 4});
  for (int64_t k = 0; k < 8; ++k)
    for (int64_t n = 0; n < 4; ++n)
      w.at(k, n) = (k == 2 || k == 5) ? 0.5f + 0.37f * n : float(n) - 1.0f;
  w.at(0, 0) = 15.0f; // widen the range so 0.37 steps miss the grid
  std::vector<int64_t> found;
  for (LocalQuantizer quantizer : {LocalQuantizer::Mse, LocalQuantizer::MinMax}) {
    ASSERT_TRUE(weakColumnsLocal(h, w, 2, quantizer, 4, 40, found).ok());
    // Row 0 holds the range maximum itself (exact); rows 2 and 5 do not.
    EXPECT_EQ(found, (std::vector<int64_t>{2, 5}));
  }
}

TEST(QeftTest, ReorderThenInverseLeavesTheFunctionUnchanged) {
  std::mt19937 rng(3);
  Array<float> x = randomArray({4, 32}, rng), w = randomArray({32, 8}, rng);
  std::vector<int64_t> perm(32);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  ASSERT_TRUE(validatePermutation(perm, 32).ok());
  // Permuting x's columns and w's rows together keeps y = x w.
  Array<float> y = matmul(x, false, w, false);
  Array<float> yp = matmul(permute(x, perm, 1, false), false,
                           permute(w, perm, 0, false), false);
  for (int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(yp[i], y[i], 1e-6 * (std::fabs(y[i]) + 1));
  // And the inverse undoes the permutation exactly.
  EXPECT_EQ(permute(permute(x, perm, 1, false), perm, 1, true).data, x.data);
  perm[0] = perm[1];
  EXPECT_FALSE(validatePermutation(perm, 32).ok());
}

TEST(QeftTest, OutlierSplitZeroesTheWeakRowsOfTheDensePart) {
  std::mt19937 rng(4);
  Array<float> w = randomArray({256, 16}, rng);
  AffineTensor dense;
  Array<qtc::Half> weak;
  ASSERT_TRUE(outlierSplit(w, 16, 4, 128, dense, weak).ok());
  Array<float> dq = dequantizeAffine(dense);
  for (int64_t k = 240; k < 256; ++k)
    for (int64_t n = 0; n < 16; ++n) {
      EXPECT_EQ(dq.at(k, n), 0.0f);
      EXPECT_EQ(qtc::halfToFloat(weak.at(k - 240, n)),
                qtc::halfToFloat(qtc::floatToHalf(w.at(k, n))));
    }
  // The forward is x (dense + [0; weak]).
  Array<float> x = randomArray({3, 256}, rng);
  Array<float> weakF32({16, 16});
  for (int64_t i = 0; i < weakF32.numel(); ++i)
    weakF32[i] = qtc::halfToFloat(weak[i]);
  Array<float> y = qeftForward(x, dq, weakF32);
  Array<float> whole = dq;
  for (int64_t k = 240; k < 256; ++k)
    for (int64_t n = 0; n < 16; ++n)
      whole.at(k, n) = weakF32.at(k - 240, n);
  Array<float> expected = matmul(x, false, whole, false);
  for (int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y[i], expected[i], 1e-5 * (std::fabs(expected[i]) + 1));
}

TEST(OptimizerTest, AdamWFirstStepMovesByLearningRate) {
  // At step 1 the bias-corrected update is g / (|g| + eps) ~ sign(g).
  Array<float> p({2}, std::vector<float>{1.0f, -1.0f});
  Array<float> g({2}, std::vector<float>{0.5f, -2.0f});
  Array<float> m({2}), v({2});
  AdamWConfig config;
  config.lr = 0.1;
  config.weightDecay = 0.01;
  ASSERT_TRUE(adamw(p, g, m, v, 1, config).ok());
  EXPECT_NEAR(p[0], 1.0 - 0.1 * 0.01 * 1.0 - 0.1, 1e-6);
  EXPECT_NEAR(p[1], -1.0 + 0.1 * 0.01 * 1.0 + 0.1, 1e-6);
  EXPECT_FLOAT_EQ(m[0], 0.05f);
  EXPECT_FLOAT_EQ(v[1], 0.004f);
  g[0] = NAN;
  EXPECT_FALSE(adamw(p, g, m, v, 2, config).ok());
  EXPECT_FALSE(adamw(p, g, m, v, 0, config).ok());
}

TEST(OptimizerTest, GlobalNormSumsEveryTensorsSquares) {
  Array<float> a({2}, std::vector<float>{3, -4}),
      b({1}, std::vector<float>{12});
  EXPECT_EQ(globalNorm({&a, &b}), 13.0f);
  EXPECT_EQ(sumOfSquares(a), 25.0);
}

TEST(OptimizerTest, QuantileInterpolatesLinearly) {
  Array<float> x({5}, std::vector<float>{4, -1, 3, 2, 0});
  float q = 0;
  ASSERT_TRUE(quantile(x, 0.5, false, q).ok());
  EXPECT_EQ(q, 2.0f);
  ASSERT_TRUE(quantile(x, 0.9, false, q).ok());
  EXPECT_FLOAT_EQ(q, 3.6f);
  ASSERT_TRUE(quantile(x, 0.0, true, q).ok());
  EXPECT_EQ(q, 0.0f);
  EXPECT_FALSE(quantile(x, 1.5, false, q).ok());
}

} // namespace
