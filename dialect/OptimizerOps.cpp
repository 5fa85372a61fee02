//===- OptimizerOps.cpp - parameter updates -------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

using namespace mlir;
using namespace mlir::qt;

LogicalResult AdamWOp::verify() {
  ArrayRef<int64_t> param = getParam().getType().getShape();
  if (failed(expectShape(*this, "grad shape", getGrad().getType().getShape(),
                         param)) ||
      failed(expectPositive(*this, "lr", getLr().convertToDouble())) ||
      failed(expectPositive(*this, "eps", getEps().convertToDouble())))
    return failure();
  for (auto [name, beta] : {std::pair<StringRef, APFloat>{"beta1", getBeta1()},
                            {"beta2", getBeta2()}}) {
    double value = beta.convertToDouble();
    if (value < 0 || value >= 1)
      return emitOpError("betas must be in [0, 1)")
             << ", found " << name << " = " << value;
  }
  if (getWeightDecay().convertToDouble() < 0)
    return emitOpError("weight_decay must be >= 0")
           << ", found " << getWeightDecay().convertToDouble();
  // Clipping needs both the norm and the bound.
  if (bool(getGradNorm()) != getMaxGradNorm().has_value())
    return emitOpError("takes grad_norm and max_grad_norm together");
  if (getMaxGradNorm() &&
      failed(expectPositive(*this, "max_grad_norm",
                            getMaxGradNorm()->convertToDouble())))
    return failure();
  return success();
}

LogicalResult TSignSGDOp::verify() {
  if (failed(expectShape(*this, "grad shape", getGrad().getType().getShape(),
                         getParam().getType().getShape())))
    return failure();
  if (getTotalSteps() < 1)
    return emitOpError("total_steps must be >= 1")
           << ", found " << getTotalSteps();
  return success();
}

LogicalResult GlobalNormOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one tensor");
  return success();
}
