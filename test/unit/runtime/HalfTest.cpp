//===- HalfTest.cpp - f16 and bf16 conversions ----------------------------===//
#include "runtime/Half.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc;

namespace {

TEST(HalfTest, DoubleToHalfRoundsOnce) {
  // 1 + 2^-11 + 2^-30 is just above the tie between 1 and 1 + 2^-10: once
  // rounded it is 1 + 2^-10; through f32 it first becomes the tie 1 + 2^-11,
  // which rounds to even, 1 (what AdamW on f16 did, NUMERICS.md 5).
  double d = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -30);
  EXPECT_EQ(halfToFloat(doubleToHalf(d)), 1.0f + std::ldexp(1.0f, -10));
  EXPECT_EQ(halfToFloat(floatToHalf(static_cast<float>(d))), 1.0f);
  // Exact values, the largest finite, overflow and subnormals.
  EXPECT_EQ(halfToFloat(doubleToHalf(-2.5)), -2.5f);
  EXPECT_EQ(halfToFloat(doubleToHalf(65504.0)), 65504.0f);
  EXPECT_TRUE(std::isinf(halfToFloat(doubleToHalf(65520.0))));
  EXPECT_EQ(halfToFloat(doubleToHalf(std::ldexp(1.0, -24))),
            std::ldexp(1.0f, -24));
}

} // namespace
