//===- LinearBuilder.cpp - building matmul-shaped qt IR -------------------===//

#include "dialect/LinearBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::qt;

Value LinearBuilder::matmul(Value lhs, Value rhs, bool transposeA,
                            bool transposeB) {
  ArrayRef<int64_t> l = *getTensorLikeShape(lhs.getType());
  ArrayRef<int64_t> r = *getTensorLikeShape(rhs.getType());
  auto type = RankedTensorType::get(
      {transposeA ? l[1] : l[0], transposeB ? r[0] : r[1]},
      builder.getF32Type());
  auto op = builder.create<MatmulOp>(loc, type, lhs, rhs);
  op.setTransposeA(transposeA);
  op.setTransposeB(transposeB);
  return op;
}

Value LinearBuilder::scale(Value value, double s) {
  auto type = cast<RankedTensorType>(value.getType());
  Value splat = builder.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, builder.getF32FloatAttr(s)));
  return builder.create<arith::MulFOp>(loc, value, splat);
}

Value LinearBuilder::add(Value lhs, Value rhs) {
  return builder.create<arith::AddFOp>(loc, lhs, rhs);
}

Value LinearBuilder::castTo(Value value, GSEType type, Value seed) {
  if (auto tensor = dyn_cast<RankedTensorType>(value.getType())) {
    // An f16 or bf16 base (a checkpoint's storage) widened first: exact.
    if (!tensor.getElementType().isF32())
      value = builder.create<arith::ExtFOp>(
          loc, tensor.clone(builder.getF32Type()), value);
    return builder.create<QuantizeOp>(loc, type, value, seed);
  }
  return builder.create<RequantizeOp>(loc, type, value, seed);
}

Value LinearBuilder::lotaMergedWeight(LotaLinearOp op) {
  auto weight = cast<AffineType>(op.getWeight().getType());
  int64_t in = weight.getInFeatures(), out = weight.getOutFeatures();
  FloatAttr omega = builder.getF32FloatAttr(op.getOmegaOrDefault());
  Value dw = builder.create<TernaryProductOp>(
      loc, RankedTensorType::get({in, out}, builder.getI32Type()), op.getA(),
      op.getB());
  Value what = builder.create<MaskedThresholdOp>(
      loc, RankedTensorType::get({in, out}, builder.getI8Type()), dw,
      op.getWeight(), omega);
  Value offset = builder.create<LotaOffsetOp>(
      loc,
      RankedTensorType::get({weight.getNumGroups(), out}, builder.getF32Type()),
      dw, what, op.getWeight(), omega, op.getOffsetScaleAttr());
  // A scaled-zero base (ggml's Q4_1) merges into scaled zeros, any other
  // into fractional ones.
  ZeroForm merged = weight.getZero() == ZeroForm::Scaled ? ZeroForm::Scaled
                                                         : ZeroForm::Float;
  return builder.create<LotaMergeOp>(loc, weight.withZeroForm(merged),
                                     op.getWeight(), what, offset);
}

GSEType mlir::qt::gsqCastType(GSQConfigAttr config, ArrayRef<int64_t> shape,
                              unsigned axis, Rounding rounding) {
  return GSEType::get(config.getContext(), shape, axis, config.getBits(),
                      config.getGroup(), config.getExpBits(),
                      config.getExpRule(), rounding);
}

double mlir::qt::loraScale(LoraLinearOp op) {
  int64_t rank = op.getA().getType().getShape()[1];
  return static_cast<float>(op.getAlpha().convertToDouble() /
                            static_cast<double>(rank));
}
