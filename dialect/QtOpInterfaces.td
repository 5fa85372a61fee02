//===- QtOpInterfaces.td - interfaces of qt ops ------------*- tablegen -*-===//

#ifndef QT_OP_INTERFACES_TD
#define QT_OP_INTERFACES_TD

include "mlir/IR/OpBase.td"

// Reverse-mode differentiation (qt-autodiff): each op builds its own
// vector-Jacobian product out of ordinary ops, so the backward pass is IR
// that every later pass (expansion, fusion, memory planning) treats like the
// forward pass. Upstream dialects (arith) get it through external models.
def Qt_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::qt";
  let description = [{
    An op that can build the gradients of its operands from the gradients
    of its results. Gradients are f32 tensors of the operand's logical shape,
    whatever the operand's type (an f16 or ternary parameter's gradient is
    f32; LoTA's ternary gradients are straight-through).
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at the builder's insertion point, the gradient of each operand
        whose `wanted` flag is set, given one gradient per result (never
        null). Sets `operandGrads` to one value per operand, null where not
        wanted. Ops that round stochastically take their seeds from `seeds`
        in a fixed order, so the same program always draws the same seeds.
        Fails with a diagnostic on the op when a wanted gradient does not
        exist (a quantized operand, for instance).
      }],
      "::mlir::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$resultGrads,
           "::llvm::ArrayRef<bool>":$wanted,
           "::mlir::qt::SeedSource &":$seeds,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

#endif // QT_OP_INTERFACES_TD
