//===- ValueChecksTest.cpp - storage rules and the non-finite policy ------===//
#include "runtime/Half.h"
#include "runtime/ValueChecks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace qtc;

namespace {

template <typename T>
HostTensor tensorOf(DType dtype, std::vector<T> values) {
  HostTensor t(dtype, {static_cast<int64_t>(values.size())});
  std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

void expectError(const Status &status, const std::string &message) {
  ASSERT_FALSE(status.ok()) << "expected: " << message;
  EXPECT_EQ(status.message(), message);
}

TEST(ValueChecksTest, RangesNameTheFirstValueOutside) {
  qtc_values ternary = {QTC_VALUES_RANGE, -1, 1};
  EXPECT_TRUE(
      checkValues(tensorOf<int8_t>(DType::I8, {-1, 0, 1, 1}), ternary).ok());
  expectError(checkValues(tensorOf<int8_t>(DType::I8, {0, 1, -2, 5}), ternary),
              "value -2 at flat index 2 is outside [-1, 1]");
  // i32 group indices: the upper bound is inclusive.
  qtc_values groups = {QTC_VALUES_RANGE, 0, 3};
  EXPECT_TRUE(checkValues(tensorOf<int32_t>(DType::I32, {0, 3}), groups).ok());
  expectError(checkValues(tensorOf<int32_t>(DType::I32, {0, 4}), groups),
              "value 4 at flat index 1 is outside [0, 3]");
  // A float tensor where integers are expected is refused, not truncated.
  expectError(checkValues(tensorOf<float>(DType::F32, {0.5f}), ternary),
              "holds f32 values where integers are expected");
}

TEST(ValueChecksTest, FiniteAndAny) {
  qtc_values finite = {QTC_VALUES_FINITE, 0, 0};
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(checkValues(tensorOf<float>(DType::F32, {1, -3e38f}), finite).ok());
  expectError(checkValues(tensorOf<float>(DType::F32, {1, -inf}), finite),
              "value -inf at flat index 1 is not finite");
  qtc_values any = {QTC_VALUES_ANY, 0, 0};
  EXPECT_TRUE(checkValues(tensorOf<float>(DType::F32, {NAN}), any).ok());
  EXPECT_TRUE(checkValues(tensorOf<int8_t>(DType::I8, {-128}), any).ok());
}

TEST(ValueChecksTest, NonFiniteInEveryFloatType) {
  EXPECT_EQ(firstNonFinite(tensorOf<double>(DType::F64, {0, 1e308, NAN})), 2);
  EXPECT_EQ(firstNonFinite(tensorOf<double>(DType::F64, {1e300})), -1);
  // f16 and bf16 hold their own infinities (0x7c00, 0xff80): the old check
  // skipped 16-bit results.
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::F16, {0x3c00, 0x7c00})), 1);
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::F16, {0x7bff, 0x0001, 0x8400})), -1);
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::F16, {0x0000, 0x7e00})), 1);
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::BF16, {0xff80})), 0);
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::BF16, {0x7f7f})), -1);
  // Integers are always finite, whatever their bits.
  EXPECT_EQ(firstNonFinite(tensorOf<uint16_t>(DType::U16, {0x7c00})), -1);
  expectError(checkFiniteResult(tensorOf<uint16_t>(DType::F16, {0, 0xfc00}),
                                "result 'w'"),
              "result 'w' has a non-finite value -inf at flat index 1; "
              "nothing was written (--allow-non-finite writes it)");
  EXPECT_TRUE(checkFiniteResult(tensorOf<float>(DType::F32, {1}), "r").ok());
}

} // namespace
