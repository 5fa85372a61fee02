//===- ArithDifferentiation.cpp - gradients of arith ops ------------------===//
//
// External models of the differentiation interface for the elementwise
// arith ops that layers use between matmuls (the LoRA scale, residual sums).
//
//===----------------------------------------------------------------------===//

#include "dialect/Differentiation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::qt;

namespace {

/// d(a + b) = (dc, dc); d(a - b) = (dc, -dc); d(a * b) = (dc b, dc a).
template <typename OpT>
struct ElementwiseVJP
    : public DifferentiableOpInterface::ExternalModel<ElementwiseVJP<OpT>,
                                                      OpT> {
  LogicalResult buildVJP(Operation *op, OpBuilder &builder,
                         ValueRange resultGrads, ArrayRef<bool> wanted,
                         SeedSource &,
                         SmallVectorImpl<Value> &operandGrads) const {
    Location loc = op->getLoc();
    Value dc = resultGrads[0];
    operandGrads.assign(2, Value());
    for (unsigned i = 0; i < 2; ++i) {
      if (!wanted[i])
        continue;
      if constexpr (std::is_same_v<OpT, arith::MulFOp>)
        operandGrads[i] =
            builder.create<arith::MulFOp>(loc, dc, op->getOperand(1 - i));
      else if (std::is_same_v<OpT, arith::SubFOp> && i == 1)
        operandGrads[i] = builder.create<arith::NegFOp>(loc, dc);
      else
        operandGrads[i] = dc;
    }
    return success();
  }
};

} // namespace

void mlir::qt::registerArithDifferentiationModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, arith::ArithDialect *) {
    arith::AddFOp::attachInterface<ElementwiseVJP<arith::AddFOp>>(*ctx);
    arith::SubFOp::attachInterface<ElementwiseVJP<arith::SubFOp>>(*ctx);
    arith::MulFOp::attachInterface<ElementwiseVJP<arith::MulFOp>>(*ctx);
  });
}
