//===- DialectTypesTest.cpp - qt types through the C++ API ----------------===//
//
// What passes and codegen rely on beyond the textual form: builder defaults,
// storage layouts and derived types.
//
//===----------------------------------------------------------------------===//

#include "dialect/QtOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qt;

namespace {

class QtTypesTest : public ::testing::Test {
protected:
  QtTypesTest() { context.loadDialect<QtDialect>(); }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }

  MLIRContext context;
  Builder b{&context};
};

TEST_F(QtTypesTest, GSEDefaultsAreNumericsDefaults) {
  auto gse = GSEType::get(&context, {8, 64}, /*axis=*/1);
  EXPECT_EQ(gse.getBits(), 8u);
  EXPECT_EQ(gse.getGroup(), 32u);
  EXPECT_EQ(gse.getExpBits(), 8u);
  EXPECT_EQ(gse.getExpRule(), ExpRule::Floor);
  EXPECT_EQ(gse.getRounding(), Rounding::RNE);
  EXPECT_EQ(gse.getNumGroupsAlongAxis(), 2);
}

TEST_F(QtTypesTest, GSEStorageIsMantissasThenExponentsPerGroup) {
  auto gse = GSEType::get(&context, {64, 96}, /*axis=*/0, /*bits=*/6,
                          /*group=*/16);
  SmallVector<RankedTensorType> storage = gse.getStorageTypes();
  ASSERT_EQ(storage.size(), 2u);
  EXPECT_EQ(storage[0], tensor({64, 96}, b.getI8Type()));
  EXPECT_EQ(storage[1], tensor({4, 96}, b.getI8Type()));
}

TEST_F(QtTypesTest, WithAxisKeepsTheFormat) {
  auto gse = GSEType::get(&context, {64, 64}, 1, 4, 16, 6, ExpRule::Ceil,
                          Rounding::Stochastic);
  GSEType moved = gse.withAxis(0);
  EXPECT_EQ(moved.getAxis(), 0u);
  EXPECT_EQ(moved.withAxis(1), gse);
}

TEST_F(QtTypesTest, AffineStorageFollowsZeroFormAndGIdx) {
  auto affine = AffineType::get(&context, {256, 64}, /*bits=*/4,
                                /*group=*/128);
  SmallVector<RankedTensorType> storage = affine.getStorageTypes();
  ASSERT_EQ(storage.size(), 3u);
  EXPECT_EQ(storage[1], tensor({2, 64}, b.getF32Type()));
  EXPECT_EQ(storage[2], tensor({2, 64}, b.getI8Type()));

  auto merged = AffineType::get(&context, {256, 64}, 4, 128, ZeroForm::Float,
                                /*g_idx=*/true);
  storage = merged.getStorageTypes();
  ASSERT_EQ(storage.size(), 4u);
  EXPECT_EQ(storage[2], tensor({2, 64}, b.getF32Type()));
  EXPECT_EQ(storage[3], tensor({256}, b.getI32Type()));
  EXPECT_EQ(merged.getStorageNames().back(), "g_idx");
  EXPECT_EQ(affine.getMaxCode(), 15);
}

TEST_F(QtTypesTest, NF4PacksTwoCodesPerByte) {
  auto nf4 = NF4Type::get(&context, {128, 64});
  SmallVector<RankedTensorType> storage = nf4.getStorageTypes();
  ASSERT_EQ(storage.size(), 2u);
  EXPECT_EQ(storage[0], tensor({4096}, b.getI8Type()));
  EXPECT_EQ(storage[1], tensor({128}, b.getF32Type()));
}

/// "[min, max]", "finite" or "any": a StorageValues, comparable in one line.
std::string describeValues(const StorageValues &values) {
  switch (values.kind) {
  case StorageValues::Kind::Range:
    return "[" + std::to_string(values.min) + ", " +
           std::to_string(values.max) + "]";
  case StorageValues::Kind::Finite:
    return "finite";
  case StorageValues::Kind::Any:
    break;
  }
  return "any";
}

std::vector<std::string> describeAll(Type type) {
  std::vector<std::string> out;
  for (const StorageValues &values : getStorageValues(type))
    out.push_back(describeValues(values));
  return out;
}

TEST_F(QtTypesTest, StorageValuesStateWhatEachTensorMayHold) {
  using Strings = std::vector<std::string>;
  // Symmetric mantissas (NUMERICS.md 1), two's-complement exponents.
  EXPECT_EQ(describeAll(GSEType::get(&context, {64, 96}, 0, /*bits=*/6, 16,
                                     /*exp_bits=*/5)),
            (Strings{"[-31, 31]", "[-16, 15]"}));
  EXPECT_EQ(describeAll(AffineType::get(&context, {256, 64}, 4, 128)),
            (Strings{"[0, 15]", "finite", "[0, 15]"}));
  // 8-bit codes kept in i8 may be any byte; g_idx names one of the groups.
  EXPECT_EQ(describeAll(AffineType::get(&context, {256, 64}, 8, 64,
                                        ZeroForm::Float, /*g_idx=*/true)),
            (Strings{"any", "finite", "finite", "[0, 3]"}));
  EXPECT_EQ(describeAll(NF4Type::get(&context, {128, 64})),
            (Strings{"any", "finite"}));
  EXPECT_EQ(describeAll(TernaryType::get(&context, {16, 8})),
            (Strings{"[-1, 1]"}));
  EXPECT_EQ(describeAll(tensor({4}, b.getF32Type())), (Strings{"any"}));
}

TEST_F(QtTypesTest, GetCheckedReportsTheBrokenRule) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto loc = UnknownLoc::get(&context);
  EXPECT_FALSE(GSEType::getChecked(loc, &context, ArrayRef<int64_t>{8, 60},
                                   1u, 8u, 32u, 8u, ExpRule::Floor,
                                   Rounding::RNE));
  EXPECT_EQ(message, "group size 32 must divide the grouped dim 1 of extent 60");
  EXPECT_FALSE(AffineType::getChecked(loc, &context, ArrayRef<int64_t>{64, 8},
                                      5u, 32u, ZeroForm::Int, false));
  EXPECT_EQ(message, "affine bits must be one of 2, 3, 4, 8, found 5");
}

} // namespace
