//===- KernelOps.cpp - fused kernel regions -------------------------------===//

#include "dialect/QtOps.h"

using namespace mlir;
using namespace mlir::qt;

void KernelOp::build(OpBuilder &builder, OperationState &state, StringRef kind,
                     TypeRange results, ValueRange inputs) {
  state.addAttribute(getKindAttrName(state.name), builder.getStringAttr(kind));
  state.addOperands(inputs);
  state.addTypes(results);
  Region *body = state.addRegion();
  Block *block = new Block();
  body->push_back(block);
  for (Value input : inputs)
    block->addArgument(input.getType(), input.getLoc());
}

YieldOp KernelOp::getYield() {
  return cast<YieldOp>(getBodyBlock().getTerminator());
}

LogicalResult KernelOp::verify() {
  Block &body = getBodyBlock();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError("body must take one argument per input: ")
           << getInputs().size() << " inputs, " << body.getNumArguments()
           << " arguments";
  for (auto [i, input, arg] :
       llvm::enumerate(getInputs().getTypes(), body.getArgumentTypes()))
    if (input != arg)
      return emitOpError("body argument #")
             << i << " has type " << arg << ", its input " << input;
  TypeRange yielded = getYield().getValues().getTypes();
  if (yielded != getResultTypes())
    return emitOpError("yields types that differ from its results");
  return success();
}
