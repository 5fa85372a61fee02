//===- LotaOps.cpp - LoTA-QAF primitives ----------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

using namespace mlir;
using namespace mlir::qt;

LogicalResult TernaryProductOp::verify() {
  if (failed(expectRank(*this, "operand 'a'", getA().getType(), 2)) ||
      failed(expectRank(*this, "operand 'b'", getB().getType(), 2)))
    return failure();
  ArrayRef<int64_t> a = getA().getType().getShape();
  ArrayRef<int64_t> b = getB().getType().getShape();
  int64_t rank = a[1];
  if (failed(expectDim(*this, "operand 'b' dim 0 (rank)", b[0], rank)) ||
      failed(expectShape(*this, "result shape", getType().getShape(),
                         {a[0], b[1]})))
    return failure();
  // |dW| <= r must fit the signed result type exactly.
  unsigned width = getType().getElementType().getIntOrFloatBitWidth();
  if (rank > (int64_t(1) << (width - 1)) - 1)
    return emitOpError("result element type cannot hold |dW| <= r")
           << ": i" << width << " for r = " << rank;
  return success();
}

/// The per-element LoTA tensors (dW, What, gradients) match the weight.
static LogicalResult expectWeightShaped(Operation *op, StringRef what,
                                        Type type, AffineType weight) {
  return expectShape(op, what, shapeOf(type), weight.getShape());
}

/// U and the scales are one value per (group, output column).
static SmallVector<int64_t> groupShape(AffineType weight) {
  return {weight.getNumGroups(), weight.getOutFeatures()};
}

LogicalResult MaskedThresholdOp::verify() {
  AffineType weight = getWeight().getType();
  if (failed(expectWeightShaped(*this, "delta shape", getDelta().getType(),
                                weight)) ||
      failed(expectWeightShaped(*this, "result shape", getType(), weight)))
    return failure();
  return expectPositive(*this, "omega", getOmega().convertToDouble());
}

LogicalResult LotaOffsetOp::verify() {
  AffineType weight = getWeight().getType();
  if (failed(expectWeightShaped(*this, "delta shape", getDelta().getType(),
                                weight)) ||
      failed(expectWeightShaped(*this, "step shape", getStep().getType(),
                                weight)) ||
      failed(expectShape(*this, "result shape (groups x out_features)",
                         getType().getShape(), groupShape(weight))))
    return failure();
  return expectPositive(*this, "omega", getOmega().convertToDouble());
}

LogicalResult LotaMergeOp::verify() {
  AffineType weight = getWeight().getType();
  if (weight.getZero() == ZeroForm::Float)
    return emitOpError("merges into a base with integer or scaled zeros, "
                       "found ")
           << weight;
  if (failed(expectWeightShaped(*this, "step shape", getStep().getType(),
                                weight)) ||
      failed(expectShape(*this, "offset shape (groups x out_features)",
                         getOffset().getType().getShape(),
                         groupShape(weight))))
    return failure();
  // Lossless: same codes width and grouping, only the zero point changes
  // (a scaled zero stays scaled: zs' = zs + s U).
  AffineType result = getType();
  bool scaled = weight.getZero() == ZeroForm::Scaled;
  if (result.getZero() == ZeroForm::Int ||
      (scaled && result.getZero() != ZeroForm::Scaled) ||
      result != weight.withZeroForm(result.getZero()))
    return emitOpError("result must be the input weight with ")
           << (scaled ? "zero = scaled" : "zero = float or zero = scaled")
           << ", found " << result;
  return success();
}

LogicalResult LotaDeltaGradOp::verify() {
  AffineType weight = getWeight().getType();
  if (failed(expectWeightShaped(*this, "weight_grad shape",
                                getWeightGrad().getType(), weight)) ||
      failed(expectWeightShaped(*this, "result shape", getType(), weight)))
    return failure();
  return expectPositive(*this, "omega", getOmega().convertToDouble());
}
