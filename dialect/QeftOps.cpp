//===- QeftOps.cpp - QEFT primitives --------------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

using namespace mlir;
using namespace mlir::qt;

/// A calibration Hessian is [K, K]; returns K.
static FailureOr<int64_t> verifyHessian(Operation *op, Type hessian) {
  if (failed(expectRank(op, "hessian", hessian, 2)))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(hessian);
  if (failed(expectDim(op, "hessian dim 1 (square)", shape[1], shape[0])))
    return failure();
  return shape[0];
}

/// The selected columns: 1 <= count <= K, result [count].
static LogicalResult verifySelection(Operation *op, int64_t count, int64_t k,
                                     RankedTensorType result) {
  if (count < 1 || (!ShapedType::isDynamic(k) && count > k))
    return op->emitOpError("count must be in [1, K]")
           << ": K is " << k << ", found " << count;
  return expectShape(op, "result shape", result.getShape(), {count});
}

LogicalResult HessianAccumulateOp::verify() {
  FailureOr<int64_t> k = verifyHessian(*this, getHessian().getType());
  if (failed(k) || failed(expectRank(*this, "input 'x'", getX().getType(), 2)))
    return failure();
  return expectDim(*this, "input 'x' dim 1 (K)", getX().getType().getDimSize(1),
                   *k);
}

LogicalResult WeakColumnsLocalOp::verify() {
  FailureOr<int64_t> k = verifyHessian(*this, getHessian().getType());
  if (failed(k) ||
      failed(expectRank(*this, "weight", getWeight().getType(), 2)) ||
      failed(expectDim(*this, "weight dim 0 (in_features)",
                       getWeight().getType().getDimSize(0), *k)))
    return failure();
  // Before the layer-local rule followed the authors, the sensitivity rounded
  // with groups; a `group` left on the op would now be silently ignored.
  if ((*this)->hasAttr("group"))
    return emitOpError("has no 'group': the sensitivity quantizer has one "
                       "scale and zero per output column (NUMERICS.md 5)");
  int64_t bits = getBits();
  if (bits < 2 || bits > 8)
    return emitOpError("sensitivity bits must be in [2, 8], found ") << bits;
  if (std::optional<int64_t> grid = getGrid()) {
    if (getQuantizer() != LocalQuantizer::Mse)
      return emitOpError("grid applies to the mse quantizer only, found grid ")
             << *grid << " with " << stringifyLocalQuantizer(getQuantizer());
    // Each grid point costs one pass per zero point over the weight.
    if (*grid < 1 || *grid > 1000)
      return emitOpError("grid must be in [1, 1000], found ") << *grid;
  }
  return verifySelection(*this, getCountAttr().getInt(), *k, getType());
}

LogicalResult WeakColumnsGlobalOp::verify() {
  if (getHessians().empty())
    return emitOpError("needs at least one hessian, found none");
  FailureOr<int64_t> k = verifyHessian(*this, getHessians()[0].getType());
  if (failed(k))
    return failure();
  for (Value hessian : getHessians().drop_front())
    if (hessian.getType() != getHessians()[0].getType())
      return emitOpError("hessians must all have one type")
             << ", found " << getHessians()[0].getType() << " and "
             << hessian.getType();
  return verifySelection(*this, getCountAttr().getInt(), *k, getType());
}

/// `axis` indexes a dimension of `type`.
static LogicalResult expectAxis(Operation *op, int64_t axis,
                                RankedTensorType type) {
  if (axis >= 0 && axis < type.getRank())
    return success();
  return op->emitOpError("axis must be in [0, rank)")
         << ": rank is " << type.getRank() << ", found " << axis;
}

LogicalResult PermuteOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(expectAxis(*this, getAxisAttr().getInt(), input)) ||
      failed(expectRank(*this, "perm", getPerm().getType(), 1)))
    return failure();
  return expectDim(*this, "perm length", getPerm().getType().getDimSize(0),
                   input.getDimSize(getAxis()));
}

LogicalResult GatherOp::verify() {
  RankedTensorType input = getInput().getType();
  if (failed(expectAxis(*this, getAxisAttr().getInt(), input)) ||
      failed(expectRank(*this, "indices", getIndices().getType(), 1)))
    return failure();
  if (getType().getElementType() != input.getElementType())
    return emitOpError("result element type must be the input's")
           << ", expected " << input.getElementType() << ", found "
           << getType().getElementType();
  SmallVector<int64_t> expected(input.getShape());
  expected[getAxis()] = getIndices().getType().getDimSize(0);
  return expectShape(*this, "result shape", getType().getShape(), expected);
}

LogicalResult OutlierSplitOp::verify() {
  if (failed(expectRank(*this, "weight", getWeight().getType(), 2)) ||
      failed(expectRank(*this, "weak rows", getWeak().getType(), 2)))
    return failure();
  ArrayRef<int64_t> weight = getWeight().getType().getShape();
  AffineType dense = getDense().getType();
  if (failed(expectShape(*this, "dense shape", dense.getShape(), weight)) ||
      failed(expectIntegerZero(*this, dense)))
    return failure();
  if (dense.getGIdx())
    return emitOpError("dense part must not have g_idx")
           << " (the split quantizes contiguous groups), found " << dense;
  ArrayRef<int64_t> weak = getWeak().getType().getShape();
  if (weak[0] < 1 || weak[0] > weight[0])
    return emitOpError("weak row count must be in [1, in_features]")
           << ": in_features is " << weight[0] << ", found " << weak[0];
  return expectDim(*this, "weak rows dim 1 (out_features)", weak[1],
                   weight[1]);
}
