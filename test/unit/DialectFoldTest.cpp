//===- DialectFoldTest.cpp - exact folds only -----------------------------===//
//
// quantize(dequantize(q)) folds to q exactly where re-rounding cannot change
// a value (GSE, ternary) and nowhere else; dequantize(quantize(x)) is lossy
// and never folds.
//
//===----------------------------------------------------------------------===//

#include "dialect/QtOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qt;

namespace {

class QtFoldTest : public ::testing::Test {
protected:
  QtFoldTest() {
    context.loadDialect<QtDialect, func::FuncDialect>();
    module = ModuleOp::create(UnknownLoc::get(&context));
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A block argument of the given type, to feed the ops under test.
  Value argument(Type type) {
    Block *block = module->getBody();
    return block->addArgument(type, builder.getUnknownLoc());
  }

  /// The op's fold result, null when it does not fold.
  static OpFoldResult fold(Operation *op) {
    SmallVector<OpFoldResult> results;
    if (failed(op->fold(results)) || results.empty())
      return {};
    return results.front();
  }

  /// Folds quantize(dequantize(q)) for a `q` of type `type`.
  OpFoldResult foldRoundTrip(Type type) {
    Location loc = builder.getUnknownLoc();
    Value q = argument(type);
    auto shape = cast<QuantizedTypeInterface>(type).getShape();
    auto f32 = RankedTensorType::get(shape, builder.getF32Type());
    auto dequantize = builder.create<DequantizeOp>(loc, f32, q);
    auto quantize = builder.create<QuantizeOp>(loc, type, dequantize,
                                               /*seed=*/Value());
    OpFoldResult folded = fold(quantize);
    if (auto value = dyn_cast_or_null<Value>(folded)) {
      EXPECT_EQ(value, q);
    }
    return folded;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  OpBuilder builder{&context};
};

TEST_F(QtFoldTest, GSERoundTripFolds) {
  EXPECT_TRUE(foldRoundTrip(GSEType::get(&context, {8, 64}, 1)));
  EXPECT_TRUE(foldRoundTrip(
      GSEType::get(&context, {8, 64}, 1, 8, 32, 8, ExpRule::Ceil)));
}

TEST_F(QtFoldTest, TernaryRoundTripFolds) {
  EXPECT_TRUE(foldRoundTrip(TernaryType::get(&context, {16, 4})));
}

TEST_F(QtFoldTest, CheckpointFormatsDoNotFold) {
  EXPECT_FALSE(foldRoundTrip(NF4Type::get(&context, {64, 64})));
  EXPECT_FALSE(foldRoundTrip(AffineType::get(&context, {256, 64}, 4, 128)));
}

TEST_F(QtFoldTest, DifferentFormatDoesNotFold) {
  Location loc = builder.getUnknownLoc();
  auto source = GSEType::get(&context, {8, 64}, 1);
  auto f32 = RankedTensorType::get({8, 64}, builder.getF32Type());
  auto dequantize = builder.create<DequantizeOp>(loc, f32, argument(source));
  auto quantize = builder.create<QuantizeOp>(loc, source.withAxis(0),
                                             dequantize, Value());
  EXPECT_FALSE(fold(quantize));
}

} // namespace
