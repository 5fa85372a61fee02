//===- Autodiff.cpp - reverse-mode differentiation of a function ----------===//
//
// One backward sweep over a single-block function: gradients flow from the
// result gradients (new arguments) through each op's DifferentiableOpInterface
// in reverse order; a value used twice sums its gradients. Only values that
// depend on a differentiated argument (active values) are differentiated.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/StepSignature.h"

#include "dialect/QtOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::qt {
#define GEN_PASS_DEF_QTAUTODIFF
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

struct AutodiffPass : qt::impl::QtAutodiffBase<AutodiffPass> {
  void runOnOperation() override;
};

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// The f32 tensor type a gradient of `value` has.
RankedTensorType gradTypeOf(Value value) {
  return RankedTensorType::get(*getTensorLikeShape(value.getType()),
                               Float32Type::get(value.getContext()));
}

Value zerosLike(OpBuilder &b, Location loc, Value value) {
  RankedTensorType type = gradTypeOf(value);
  return b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0f)));
}

/// Which arguments get a gradient: trainable ones (f32, f16 or ternary) and
/// f32/f16 inputs not marked frozen (activations, whose gradient the layer
/// below needs).
FailureOr<SmallVector<bool>> differentiatedArguments(func::FuncOp func) {
  SmallVector<bool> result(func.getNumArguments(), false);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    Type type = func.getArgument(i).getType();
    bool trainable = func.getArgAttr(i, attr::kTrainable) != nullptr;
    bool frozen = func.getArgAttr(i, attr::kFrozen) != nullptr;
    if (trainable && !isFloatTensor(type) && !isa<TernaryType>(type))
      return func.emitError("trainable argument #")
             << i << " has type " << type
             << "; only f32/f16 tensors and ternary adapters train";
    result[i] = trainable || (!frozen && isFloatTensor(type));
  }
  return result;
}

LogicalResult differentiate(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("qt-autodiff differentiates single-block functions");
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Location loc = ret.getLoc();
  unsigned numArgs = func.getNumArguments();
  unsigned numResults = func.getNumResults();

  FailureOr<SmallVector<bool>> differentiated = differentiatedArguments(func);
  if (failed(differentiated))
    return failure();

  // Forward activity: values that depend on a differentiated argument.
  DenseSet<Value> active;
  for (unsigned i = 0; i < numArgs; ++i)
    if ((*differentiated)[i])
      active.insert(func.getArgument(i));
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator()) {
    forward.push_back(&op);
    if (llvm::none_of(op.getOperands(),
                      [&](Value v) { return active.contains(v); }))
      continue;
    if (op.getNumRegions() != 0)
      return op.emitOpError("has regions; qt-autodiff cannot differentiate "
                            "through it");
    active.insert(op.getResults().begin(), op.getResults().end());
  }

  // One gradient argument per result.
  Builder attrs(func.getContext());
  for (unsigned j = 0; j < numResults; ++j) {
    Type type = func.getResultTypes()[j];
    if (!isFloatTensor(type))
      return func.emitError("result #")
             << j << " has type " << type
             << "; qt-autodiff needs every result to be an f32/f16 tensor";
    // dY for a layer's one output; dy<j> when there are several.
    std::string name = numResults == 1 ? "dy" : "dy" + std::to_string(j);
    func.insertArgument(
        numArgs + j, gradTypeOf(ret.getOperand(j)),
        attrs.getDictionaryAttr(
            {attrs.getNamedAttr(attr::kGradOfResult,
                                attrs.getI64IntegerAttr(j)),
             attrs.getNamedAttr(attr::kName, attrs.getStringAttr(name))}),
        func.getLoc());
  }
  SeedSource seeds([&]() -> Value {
    unsigned position = func.getNumArguments();
    func.insertArgument(
        position, attrs.getI64Type(),
        attrs.getDictionaryAttr(
            {attrs.getNamedAttr(attr::kSeed, attrs.getUnitAttr()),
             attrs.getNamedAttr(attr::kName, attrs.getStringAttr("seed"))}),
        func.getLoc());
    return func.getArgument(position);
  });

  OpBuilder builder(ret);
  DenseMap<Value, Value> grads;
  auto accumulate = [&](Value value, Value grad) {
    Value &slot = grads[value];
    slot = slot ? builder.create<arith::AddFOp>(loc, slot, grad).getResult()
                : grad;
  };
  for (unsigned j = 0; j < numResults; ++j)
    if (active.contains(ret.getOperand(j)))
      accumulate(ret.getOperand(j), func.getArgument(numArgs + j));

  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value v) { return grads.contains(v); }))
      continue;
    SmallVector<bool> wanted;
    for (Value operand : op->getOperands())
      wanted.push_back(active.contains(operand));
    auto differentiable = dyn_cast<DifferentiableOpInterface>(op);
    if (!differentiable)
      return op->emitOpError("has no gradient (DifferentiableOpInterface) "
                             "but lies between a differentiated argument "
                             "and a result");
    SmallVector<Value> resultGrads;
    for (Value result : op->getResults()) {
      Value grad = grads.lookup(result);
      resultGrads.push_back(grad ? grad : zerosLike(builder, loc, result));
    }
    SmallVector<Value> operandGrads;
    if (failed(differentiable.buildVJP(builder, resultGrads, wanted, seeds,
                                       operandGrads)))
      return failure();
    for (auto [operand, grad, want] :
         llvm::zip_equal(op->getOperands(), operandGrads, wanted)) {
      if (!want)
        continue;
      if (!grad || grad.getType() != gradTypeOf(operand))
        return op->emitOpError("built no f32 gradient of the operand's "
                               "shape (a bug in its VJP)");
      accumulate(operand, grad);
    }
  }

  // Results: the originals, then one gradient per differentiated argument.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned j = 0; j < numResults; ++j)
    resultAttrs.push_back(func.getResultAttrDict(j));
  for (unsigned i = 0; i < numArgs; ++i) {
    if (!(*differentiated)[i])
      continue;
    Value arg = func.getArgument(i);
    Value grad = grads.lookup(arg);
    results.push_back(grad ? grad : zerosLike(builder, loc, arg));
    resultAttrs.push_back(attrs.getDictionaryAttr(
        {attrs.getNamedAttr(attr::kGradOf, attrs.getI64IntegerAttr(i))}));
  }
  setReturnedValues(func, results, resultAttrs);
  return success();
}

bool hasTrainableArgument(func::FuncOp func) {
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (func.getArgAttr(i, attr::kTrainable))
      return true;
  return false;
}

void AutodiffPass::runOnOperation() {
  SmallVector<func::FuncOp> funcs;
  for (auto func : getOperation().getOps<func::FuncOp>())
    if (!func.isExternal() && hasTrainableArgument(func))
      funcs.push_back(func);
  if (funcs.empty()) {
    getOperation().emitError("qt-autodiff: no function has a qt.trainable "
                             "argument; run qt-apply-method first");
    return signalPassFailure();
  }
  for (func::FuncOp func : funcs)
    if (failed(differentiate(func)))
      return signalPassFailure();
}

} // namespace
