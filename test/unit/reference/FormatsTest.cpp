//===- FormatsTest.cpp - NF4 and affine-int formats (NUMERICS.md 2, 3) ----===//
#include "codegen/reference/Affine.h"
#include "codegen/reference/Nf4.h"
#include "test/unit/reference/TestUtils.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc::ref;
using qtc::ref::test::randomArray;

namespace {

TEST(Nf4Test, CodesAreExactAndPackedLowNibbleFirst) {
  // Every code times an absmax of 2 comes back exactly, in order.
  Array<float> x({64});
  for (int i = 0; i < 64; ++i)
    x[i] = 2.0f * kNf4Codes[i % 16];
  Nf4Tensor q;
  ASSERT_TRUE(quantizeNf4(x, 64, q).ok());
  EXPECT_EQ(q.absmax[0], 2.0f);
  EXPECT_EQ(q.packed[0], 0x10); // indices 0 (low nibble) and 1 (high nibble)
  EXPECT_EQ(dequantizeNf4(q).data, x.data);
}

TEST(Nf4Test, PicksTheNearestCodePerBlock) {
  std::mt19937 rng(1);
  Array<float> x = randomArray({4, 64}, rng);
  Nf4Tensor q;
  ASSERT_TRUE(quantizeNf4(x, 64, q).ok());
  Array<float> back = dequantizeNf4(q);
  for (int64_t i = 0; i < x.numel(); ++i) {
    float absmax = q.absmax[i / 64];
    for (float code : kNf4Codes)
      EXPECT_LE(std::fabs(back[i] - x[i]),
                std::fabs(code * absmax - x[i]) + 1e-6f * absmax);
  }
}

TEST(Nf4Test, ZeroBlockAndBadInput) {
  Nf4Tensor q;
  ASSERT_TRUE(quantizeNf4(Array<float>({64}), 64, q).ok());
  EXPECT_EQ(q.index(5), 7); // the 0.0 code
  EXPECT_EQ(dequantizeNf4(q)[5], 0.0f);
  Array<float> bad({64});
  bad[9] = NAN;
  EXPECT_FALSE(quantizeNf4(bad, 64, q).ok());
  EXPECT_FALSE(quantizeNf4(Array<float>({96}), 64, q).ok());
}

TEST(AffineTest, RoundToNearestFollowsGptqMinMax) {
  // One group of 4 rows, one column: range [-1, 2] with 2 bits gives s = 1,
  // z = 1, codes round(w / s) + z clamped to [0, 3].
  Array<float> w({4, 1}, std::vector<float>{-1.0f, 0.4f, 2.0f, 0.6f});
  AffineTensor q;
  ASSERT_TRUE(quantizeAffine(w, 2, 4, q).ok());
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.intZeros[0], 1);
  EXPECT_EQ(std::vector<int>(q.codes.data.begin(), q.codes.data.end()),
            (std::vector<int>{0, 1, 3, 2}));
  EXPECT_EQ(dequantizeAffine(q).data, (std::vector<float>{-1, 0, 2, 1}));
}

TEST(AffineTest, AGroupWhoseRangeOverflowsIsAnError) {
  // -3e38 and 3e38 are finite; their difference is not (NUMERICS.md 3): the
  // scale was inf and every code dequantized to NaN.
  Array<float> w({4, 2}, std::vector<float>{1, -3e38f, 2, 0, 3, 3e38f, 4, 1});
  AffineTensor q;
  qtc::Status status = quantizeAffine(w, 4, 4, q);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("group 0 of column 1 spans"),
            std::string::npos)
      << status.message();
  // Half of each: a range of 3e38 is fine.
  for (float &v : w.data)
    v /= 2;
  ASSERT_TRUE(quantizeAffine(w, 4, 4, q).ok());
  for (float v : dequantizeAffine(q).data)
    EXPECT_TRUE(std::isfinite(v));
}

TEST(AffineTest, ErrorIsAtMostHalfAScale) {
  std::mt19937 rng(2);
  Array<float> w = randomArray({256, 8}, rng);
  for (int bits : {2, 3, 4, 8}) {
    AffineTensor q;
    ASSERT_TRUE(quantizeAffine(w, bits, 128, q).ok());
    Array<float> back = dequantizeAffine(q);
    for (int64_t k = 0; k < 256; ++k)
      for (int64_t n = 0; n < 8; ++n)
        EXPECT_LE(std::fabs(back.at(k, n) - w.at(k, n)),
                  q.scales.at(k / 128, n) * 0.5001f);
  }
}

TEST(AffineTest, GIdxSelectsTheGroupOfEachRow) {
  AffineTensor q;
  ASSERT_TRUE(quantizeAffine(Array<float>({4, 1}, std::vector<float>{1, 2, 3, 4}),
                             4, 2, q)
                  .ok());
  q.scales = Array<float>({2, 1}, std::vector<float>{1.0f, 10.0f});
  q.intZeros = Array<uint8_t>({2, 1}, std::vector<uint8_t>{0, 0});
  q.codes = Array<uint8_t>({4, 1}, std::vector<uint8_t>{1, 1, 1, 1});
  q.gIdx = {1, 0, 1, 0}; // act-order: rows interleave the groups
  EXPECT_EQ(dequantizeAffine(q).data, (std::vector<float>{10, 1, 10, 1}));
  q.gIdx[2] = 2;
  EXPECT_FALSE(validateAffine(q).ok());
}

TEST(AffineTest, ThreeBitGptqLayoutStraddlesWords) {
  // 32 codes of column 0 fill words 0..2 as one 96-bit stream: code 10 has
  // its low 2 bits at the top of word 0 and its high bit at the bottom of
  // word 1.
  AffineTensor q;
  q.bits = 3;
  q.group = 32;
  q.codes = Array<uint8_t>({32, 32});
  q.codes.at(10, 0) = 0b101;
  q.codes.at(21, 0) = 0b011;
  q.scales = Array<float>({1, 32}, 1.0f);
  q.intZeros = Array<uint8_t>({1, 32}, 4);
  GptqTensors packed;
  ASSERT_TRUE(packGptq(q, 1, packed).ok());
  EXPECT_EQ(packed.qweight.shape, (qtc::Shape{3, 32}));
  EXPECT_EQ(static_cast<uint32_t>(packed.qweight.at(0, 0)), 0b01u << 30);
  // Word 1: code 10's high bit at bit 0, code 21's low bit at bit 31.
  EXPECT_EQ(static_cast<uint32_t>(packed.qweight.at(1, 0)), 1u | 1u << 31);
  EXPECT_EQ(static_cast<uint32_t>(packed.qweight.at(2, 0)), 0b01u);
  // Zeros are stored minus one: 3 = 0b011 for every column.
  EXPECT_EQ(static_cast<uint32_t>(packed.qzeros.at(0, 0)) & 7u, 3u);
}

TEST(AffineTest, GptqPackingRoundTripsForEveryWidth) {
  std::mt19937 rng(3);
  for (int bits : {2, 3, 4, 8}) {
    AffineTensor q;
    ASSERT_TRUE(quantizeAffine(randomArray({64, 32}, rng), bits, 32, q).ok());
    q.gIdx = std::vector<int32_t>(64);
    for (int k = 0; k < 64; ++k)
      q.gIdx[k] = (k * 7) % 2; // act-order
    GptqTensors packed;
    ASSERT_TRUE(packGptq(q, 1, packed).ok());
    AffineTensor back;
    ASSERT_TRUE(unpackGptq(packed, bits, 32, 1, back).ok());
    EXPECT_EQ(back.codes.data, q.codes.data) << bits << " bits";
    EXPECT_EQ(back.intZeros.data, q.intZeros.data) << bits << " bits";
    EXPECT_EQ(back.gIdx, q.gIdx);
    for (int64_t i = 0; i < q.scales.numel(); ++i)
      EXPECT_NEAR(back.scales[i], q.scales[i], q.scales[i] * 1e-3);
  }
}

TEST(AffineTest, ScaledAndFloatZerosDequantize) {
  AffineTensor q;
  q.bits = 4;
  q.group = 2;
  q.codes = Array<uint8_t>({2, 1}, std::vector<uint8_t>{3, 5});
  q.scales = Array<float>({1, 1}, 0.5f);
  q.zeroForm = ZeroForm::Float;
  q.floatZeros = Array<float>({1, 1}, 1.5f);
  EXPECT_EQ(dequantizeAffine(q).data, (std::vector<float>{0.75f, 1.75f}));
  q.zeroForm = ZeroForm::Scaled; // w = q s + zs
  q.floatZeros = Array<float>({1, 1}, -0.75f);
  EXPECT_EQ(dequantizeAffine(q).data, (std::vector<float>{0.75f, 1.75f}));
}

} // namespace
