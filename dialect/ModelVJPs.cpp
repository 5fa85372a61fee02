//===- ModelVJPs.cpp - gradients of the model ops -------------------------===//
//
// Each model op's vector-Jacobian product is one gradient op (rmsnorm_grad,
// attention_grad, ...) or, for rope, the op itself rotating back: one
// kernel each, as fast training systems fuse them. Integer operands (token
// ids, labels, positions) never take a gradient.
//
//===----------------------------------------------------------------------===//

#include "dialect/Differentiation.h"
#include "dialect/QtOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::qt;

/// A gradient op with one result per operand of its forward op: the wanted
/// ones become the operands' gradients.
static void keepWanted(ValueRange grads, ArrayRef<bool> wanted,
                       SmallVectorImpl<Value> &operandGrads) {
  operandGrads.assign(wanted.size(), Value());
  for (auto [i, grad] : llvm::enumerate(grads))
    if (wanted[i])
      operandGrads[i] = grad;
}

LogicalResult RMSNormOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                  ArrayRef<bool> wanted, SeedSource &,
                                  SmallVectorImpl<Value> &operandGrads) {
  auto grad = builder.create<RMSNormGradOp>(
      getLoc(), getX().getType(), getWeight().getType(), getX(), getWeight(),
      resultGrads[0], getEpsAttr());
  keepWanted(grad.getResults(), wanted, operandGrads);
  return success();
}

LogicalResult RopeOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                               ArrayRef<bool> wanted, SeedSource &,
                               SmallVectorImpl<Value> &operandGrads) {
  // A rotation's transpose is the rotation back.
  operandGrads.assign(getNumOperands(), Value());
  if (wanted[0])
    operandGrads[0] = builder.create<RopeOp>(
        getLoc(), getType(), resultGrads[0], getPositions(), getHeadsAttr(),
        getSeqLenAttr(), getThetaAttr(), getScalingAttr(),
        getInverse() ? UnitAttr() : builder.getUnitAttr());
  return success();
}

LogicalResult AttentionOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                    ArrayRef<bool> wanted, SeedSource &,
                                    SmallVectorImpl<Value> &operandGrads) {
  auto grad = builder.create<AttentionGradOp>(
      getLoc(), getQ().getType(), getK().getType(), getV().getType(), getQ(),
      getK(), getV(), resultGrads[0], getHeadsAttr(), getKvHeadsAttr(),
      getSeqLenAttr(), getScaleAttr());
  keepWanted(grad.getResults(), wanted, operandGrads);
  return success();
}

LogicalResult SwiGLUOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                 ArrayRef<bool> wanted, SeedSource &,
                                 SmallVectorImpl<Value> &operandGrads) {
  auto grad = builder.create<SwiGLUGradOp>(getLoc(), getType(), getType(),
                                           getGate(), getUp(), resultGrads[0]);
  keepWanted(grad.getResults(), wanted, operandGrads);
  return success();
}

LogicalResult BiasAddOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                  ArrayRef<bool> wanted, SeedSource &,
                                  SmallVectorImpl<Value> &operandGrads) {
  operandGrads.assign(2, Value());
  if (wanted[0])
    operandGrads[0] = resultGrads[0];
  if (wanted[1])
    operandGrads[1] = builder.create<RowSumOp>(getLoc(), getBias().getType(),
                                               resultGrads[0]);
  return success();
}

LogicalResult EmbeddingOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                    ArrayRef<bool> wanted, SeedSource &,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.assign(2, Value());
  if (wanted[0])
    operandGrads[0] = builder.create<EmbeddingGradOp>(
        getLoc(), getTable().getType(), getIds(), resultGrads[0]);
  return success();
}

LogicalResult CrossEntropyOp::buildVJP(OpBuilder &builder,
                                       ValueRange resultGrads,
                                       ArrayRef<bool> wanted, SeedSource &,
                                       SmallVectorImpl<Value> &operandGrads) {
  operandGrads.assign(2, Value());
  if (wanted[0])
    operandGrads[0] = builder.create<CrossEntropyGradOp>(
        getLoc(), getLogits().getType(), getLogits(), getLabels(),
        resultGrads[0], getIgnoreIndexAttr());
  return success();
}

namespace {

/// collapse_shape and expand_shape move no data: the gradient takes the
/// inverse reshape.
template <typename OpT, typename InverseT>
struct ReshapeVJP
    : public DifferentiableOpInterface::ExternalModel<ReshapeVJP<OpT, InverseT>,
                                                      OpT> {
  LogicalResult buildVJP(Operation *op, OpBuilder &builder,
                         ValueRange resultGrads, ArrayRef<bool> wanted,
                         SeedSource &,
                         SmallVectorImpl<Value> &operandGrads) const {
    auto reshape = cast<OpT>(op);
    operandGrads.assign(op->getNumOperands(), Value());
    if (wanted[0]) {
      auto type = cast<RankedTensorType>(reshape.getSrc().getType());
      operandGrads[0] = builder.create<InverseT>(
          op->getLoc(), type.clone(builder.getF32Type()), resultGrads[0],
          reshape.getReassociationIndices());
    }
    return success();
  }
};

} // namespace

void mlir::qt::registerTensorDifferentiationModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, tensor::TensorDialect *) {
    tensor::CollapseShapeOp::attachInterface<
        ReshapeVJP<tensor::CollapseShapeOp, tensor::ExpandShapeOp>>(*ctx);
    tensor::ExpandShapeOp::attachInterface<
        ReshapeVJP<tensor::ExpandShapeOp, tensor::CollapseShapeOp>>(*ctx);
  });
}
