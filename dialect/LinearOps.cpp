//===- LinearOps.cpp - linear layers and method composites ----------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

using namespace mlir;
using namespace mlir::qt;

namespace {
/// The extents every linear layer agrees on: x [T, K], weight [K, N].
struct LinearShape {
  int64_t tokens, in, out;
};
} // namespace

/// Checks x [T, K], weight [K, N] (or [N, K] for `out_in`) and result
/// [T, N].
static FailureOr<LinearShape>
verifyLinear(Operation *op, Type x, Type weight, Type result,
             WeightLayout layout = WeightLayout::InOut) {
  if (failed(expectRank(op, "input 'x'", x, 2)) ||
      failed(expectRank(op, "weight", weight, 2)))
    return failure();
  ArrayRef<int64_t> xShape = shapeOf(x), wShape = shapeOf(weight);
  bool outIn = layout == WeightLayout::OutIn;
  LinearShape shape{xShape[0], xShape[1], wShape[outIn ? 0 : 1]};
  if (failed(expectDim(op,
                       outIn ? "weight dim 1 (in_features)"
                             : "weight dim 0 (in_features)",
                       wShape[outIn ? 1 : 0], shape.in)) ||
      failed(expectShape(op, "result shape", shapeOf(result),
                         {shape.tokens, shape.out})))
    return failure();
  return shape;
}

/// Adapters a [K, r] and b [r, N]; returns r.
static FailureOr<int64_t> verifyAdapters(Operation *op, LinearShape shape,
                                         Type a, Type b) {
  if (failed(expectRank(op, "adapter 'a'", a, 2)) ||
      failed(expectRank(op, "adapter 'b'", b, 2)))
    return failure();
  ArrayRef<int64_t> aShape = shapeOf(a), bShape = shapeOf(b);
  int64_t rank = aShape[1];
  if (failed(expectDim(op, "adapter 'a' dim 0 (in_features)", aShape[0],
                       shape.in)) ||
      failed(expectDim(op, "adapter 'b' dim 0 (rank)", bShape[0], rank)) ||
      failed(expectDim(op, "adapter 'b' dim 1 (out_features)", bShape[1],
                       shape.out)))
    return failure();
  return rank;
}

LogicalResult LinearOp::verify() {
  return verifyLinear(*this, getX().getType(), getWeight().getType(),
                      getType(), getWeightLayout());
}

LogicalResult LoraLinearOp::verify() {
  FailureOr<LinearShape> shape =
      verifyLinear(*this, getX().getType(), getWeight().getType(), getType(),
                   getWeightLayout());
  if (failed(shape))
    return failure();
  // GSQ casts a float [out, in] base along in_features as it casts an
  // [in, out] one; an NF4 base is re-cast block by block along in_features
  // of [in, out].
  if (getGsq() && getWeightLayout() != WeightLayout::InOut &&
      !isa<RankedTensorType>(getWeight().getType()))
    return emitOpError("GSQ takes a quantized weight as [in, out] "
                       "(weight_layout in_out), found ")
           << getWeight().getType() << " as [out, in]";
  FailureOr<int64_t> rank =
      verifyAdapters(*this, *shape, getA().getType(), getB().getType());
  if (failed(rank) || !getGsq())
    return rank;
  // GSQ groups every matmul operand along its reduction axis: K for the
  // forward, r for H*B, N for dX, tokens for dA and dB.
  unsigned group = getGsq()->getGroup();
  for (auto [name, extent] :
       {std::pair<StringRef, int64_t>{"in_features", shape->in},
        {"out_features", shape->out},
        {"rank", *rank},
        {"tokens", shape->tokens}}) {
    if (ShapedType::isDynamic(extent) || extent % group == 0)
      continue;
    return emitOpError("GSQ group size must divide every reduction extent")
           << ": group " << group << " does not divide " << name << " = "
           << extent;
  }
  return success();
}

double LotaLinearOp::getOmegaOrDefault() {
  if (std::optional<APFloat> omega = getOmega())
    return omega->convertToDouble();
  return 0.75 * shapeOf(getA().getType())[1];
}

LogicalResult LotaLinearOp::verify() {
  FailureOr<LinearShape> shape = verifyLinear(
      *this, getX().getType(), getWeight().getType(), getType());
  if (failed(shape) ||
      failed(verifyAdapters(*this, *shape, getA().getType(),
                            getB().getType())))
    return failure();
  if (auto weight = cast<AffineType>(getWeight().getType());
      weight.getZero() == ZeroForm::Float)
    return emitOpError("needs a base with integer or scaled zeros, found ")
           << weight;
  return expectPositive(*this, "omega", getOmegaOrDefault());
}

LogicalResult QeftLinearOp::verify() {
  FailureOr<LinearShape> shape = verifyLinear(
      *this, getX().getType(), getDense().getType(), getType());
  if (failed(shape) ||
      failed(expectRank(*this, "weak rows", getWeak().getType(), 2)) ||
      failed(expectIntegerZero(*this, getDense().getType())))
    return failure();
  ArrayRef<int64_t> weak = getWeak().getType().getShape();
  if (weak[0] < 1 || weak[0] > shape->in)
    return emitOpError("weak row count must be in [1, in_features]")
           << ": in_features is " << shape->in << ", found " << weak[0];
  return expectDim(*this, "weak rows dim 1 (out_features)", weak[1],
                   shape->out);
}
