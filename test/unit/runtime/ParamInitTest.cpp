//===- ParamInitTest.cpp - trained parameters drawn by their init rule ----===//
#include "runtime/ParamInit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qtc;

namespace {

qtc_tensor_info param(const char *name, qtc_dtype dtype, int64_t rows,
                      int64_t cols, qtc_init init) {
  qtc_tensor_info info = {};
  info.name = name;
  info.dtype = dtype;
  info.rank = 2;
  info.shape[0] = rows;
  info.shape[1] = cols;
  info.role = QTC_ROLE_PARAM;
  info.updates = -1;
  info.init = init;
  return info;
}

TEST(ParamInitTest, UniformFanInIsPeftsLoraAInit) {
  // lora_A's kaiming_uniform(a = sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
  // so for fan_in 64 the bound is 1/8 and the variance bound^2 / 3.
  HostTensor t;
  ASSERT_TRUE(initParameter(
                  param("l.a", QTC_F32, 64, 32, QTC_INIT_UNIFORM_FAN_IN), 0, t)
                  .ok());
  double sum = 0, sumSq = 0, maxAbs = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = t.data<float>()[i];
    sum += v;
    sumSq += v * v;
    maxAbs = std::max(maxAbs, std::fabs(v));
  }
  double n = static_cast<double>(t.numel());
  EXPECT_LE(maxAbs, 0.125);
  EXPECT_GT(maxAbs, 0.12);
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(sumSq / n, 0.125 * 0.125 / 3, 0.0005);
}

TEST(ParamInitTest, DrawsDependOnSeedAndNameOnly) {
  HostTensor a, b, c, d;
  auto info = param("x.a", QTC_F32, 8, 4, QTC_INIT_UNIFORM_FAN_IN);
  ASSERT_TRUE(initParameter(info, 1, a).ok());
  ASSERT_TRUE(initParameter(info, 1, b).ok());
  ASSERT_TRUE(initParameter(info, 2, c).ok());
  info.name = "y.a";
  ASSERT_TRUE(initParameter(info, 1, d).ok());
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_NE(a.bytes, c.bytes);
  EXPECT_NE(a.bytes, d.bytes);
}

TEST(ParamInitTest, ZerosAndTernary) {
  HostTensor z, t;
  ASSERT_TRUE(
      initParameter(param("l.b", QTC_F32, 4, 16, QTC_INIT_ZEROS), 0, z).ok());
  for (uint8_t byte : z.bytes)
    ASSERT_EQ(byte, 0);
  // LoTA's A: a normal draw ternarized at 0.75 mean|A|. For a normal,
  // P(|x| > 0.75 E|x|) = P(|x| > 0.598 sigma) = 0.55, split evenly by sign.
  ASSERT_TRUE(initParameter(
                  param("l.a", QTC_I8, 256, 16, QTC_INIT_TERNARY_KAIMING), 0, t)
                  .ok());
  int64_t plus = 0, minus = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    int8_t v = t.data<int8_t>()[i];
    ASSERT_TRUE(v == -1 || v == 0 || v == 1);
    plus += v == 1;
    minus += v == -1;
  }
  double n = static_cast<double>(t.numel());
  EXPECT_NEAR((plus + minus) / n, 0.55, 0.03);
  EXPECT_NEAR(plus / n, minus / n, 0.04);
}

TEST(ParamInitTest, GivenParametersAndWrongTypesAreRefused) {
  HostTensor t;
  Status s =
      initParameter(param("l.weak", QTC_F16, 4, 8, QTC_INIT_GIVEN), 0, t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "parameter 'l.weak' (f16 [4, 8]) is not drawn by a "
                         "trainer: put it in a --weights file");
  EXPECT_FALSE(
      initParameter(param("l.a", QTC_I8, 4, 8, QTC_INIT_UNIFORM_FAN_IN), 0, t)
          .ok());
  EXPECT_FALSE(
      initParameter(param("l.a", QTC_F32, 4, 8, QTC_INIT_TERNARY_KAIMING), 0, t)
          .ok());
}

} // namespace
