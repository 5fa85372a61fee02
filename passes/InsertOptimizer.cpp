//===- InsertOptimizer.cpp - parameter updates after the backward ---------===//
//
// Turns "forward + gradients" into a training step: each trainable
// parameter's gradient is consumed by its method's optimizer, and the step
// returns the new parameter and optimizer state, each tagged with the
// argument it replaces, so a training loop feeds results back as arguments.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/StepSignature.h"

#include "dialect/QtOps.h"

#include "mlir/IR/Builders.h"

#include <cmath>

namespace mlir::qt {
#define GEN_PASS_DEF_QTINSERTOPTIMIZER
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

struct InsertOptimizerPass
    : qt::impl::QtInsertOptimizerBase<InsertOptimizerPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult insert(func::FuncOp func);
};

/// A returned gradient of a trainable argument.
struct TrainedParameter {
  unsigned result;
  unsigned argument;
};

std::string nameOf(func::FuncOp func, unsigned argument) {
  if (auto name = func.getArgAttrOfType<StringAttr>(argument, attr::kName))
    return name.str();
  return ("arg" + Twine(argument)).str();
}

} // namespace

LogicalResult InsertOptimizerPass::insert(func::FuncOp func) {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Location loc = ret.getLoc();
  OpBuilder builder(ret);

  SmallVector<TrainedParameter> trained;
  bool anyTernary = false;
  for (unsigned j = 0; j < func.getNumResults(); ++j) {
    auto gradOf = func.getResultAttrOfType<IntegerAttr>(j, attr::kGradOf);
    if (!gradOf)
      continue;
    unsigned argument = gradOf.getInt();
    if (!func.getArgAttr(argument, attr::kTrainable))
      continue;
    trained.push_back({j, argument});
    anyTernary |= isa<TernaryType>(func.getArgument(argument).getType());
  }
  if (trained.empty())
    return success();
  if (gradNormSource != "computed" && gradNormSource != "argument")
    return func.emitError("qt-insert-optimizer: grad-norm must be computed or "
                          "argument, found '")
           << gradNormSource << "'";
  if (!(maxGradNorm >= 0) || !std::isfinite(maxGradNorm))
    return func.emitError("qt-insert-optimizer: max-grad-norm must be a "
                          "finite number >= 0, found ")
           << maxGradNorm;
  if (anyTernary && totalSteps <= 0)
    return func.emitError("t-SignSGD needs the schedule length: pass "
                          "total-steps > 0 to qt-insert-optimizer");

  auto addArgument = [&](Type type, StringRef flag, StringRef name) {
    unsigned position = func.getNumArguments();
    SmallVector<NamedAttribute> attrs = {
        builder.getNamedAttr(attr::kName, builder.getStringAttr(name))};
    if (!flag.empty())
      attrs.push_back(builder.getNamedAttr(flag, builder.getUnitAttr()));
    func.insertArgument(position, type, builder.getDictionaryAttr(attrs),
                        func.getLoc());
    return func.getArgument(position);
  };
  Value step = addArgument(builder.getI64Type(), attr::kStep, "step");
  // t-SignSGD's upper cut reads the global gradient norm: of the adapters'
  // gradients this step computes, or given by the caller.
  Value gradNorm;
  if (anyTernary && gradNormSource == "argument") {
    gradNorm = addArgument(builder.getF32Type(), attr::kGradNorm, "grad_norm");
  } else if (anyTernary) {
    SmallVector<Value> ternaryGrads;
    for (const TrainedParameter &p : trained)
      if (isa<TernaryType>(func.getArgument(p.argument).getType()))
        ternaryGrads.push_back(ret.getOperand(p.result));
    gradNorm =
        builder.create<GlobalNormOp>(loc, builder.getF32Type(), ternaryGrads);
  }

  // AdamW's schedule factor and its gradients' global norm (clipping).
  bool anyAdam = llvm::any_of(trained, [&](const TrainedParameter &p) {
    return !isa<TernaryType>(func.getArgument(p.argument).getType());
  });
  Value lrScaleArg =
      lrScale && anyAdam
          ? addArgument(builder.getF32Type(), attr::kLrScale, "lr_scale")
          : Value();
  Value adamGradNorm;
  FloatAttr maxNormAttr;
  if (maxGradNorm > 0) {
    SmallVector<Value> adamGrads;
    for (const TrainedParameter &p : trained)
      if (!isa<TernaryType>(func.getArgument(p.argument).getType()))
        adamGrads.push_back(ret.getOperand(p.result));
    if (!adamGrads.empty()) {
      adamGradNorm =
          builder.create<GlobalNormOp>(loc, builder.getF32Type(), adamGrads);
      maxNormAttr = builder.getF32FloatAttr(maxGradNorm);
    }
  }

  // Results: everything that is not a trained gradient keeps its place;
  // then the new parameters, then the new optimizer state.
  DenseSet<unsigned> replaced;
  for (const TrainedParameter &p : trained)
    replaced.insert(p.result);
  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned j = 0; j < func.getNumResults(); ++j)
    if (!replaced.contains(j)) {
      results.push_back(ret.getOperand(j));
      resultAttrs.push_back(func.getResultAttrDict(j));
    }
  SmallVector<std::pair<Value, unsigned>> params, state;
  for (const TrainedParameter &p : trained) {
    Value param = func.getArgument(p.argument);
    Value grad = ret.getOperand(p.result);
    std::string name = nameOf(func, p.argument);
    if (isa<TernaryType>(param.getType())) {
      Value updated = builder.create<TSignSGDOp>(
          loc, param.getType(), param, grad, step, gradNorm,
          builder.getI64IntegerAttr(totalSteps));
      params.push_back({updated, p.argument});
      continue;
    }
    Value m = addArgument(grad.getType(), attr::kOptimizerState, name + ".m");
    Value v = addArgument(grad.getType(), attr::kOptimizerState, name + ".v");
    auto adamw = builder.create<AdamWOp>(
        loc, param.getType(), grad.getType(), grad.getType(), param, grad, m, v,
        step, lrScaleArg, adamGradNorm, builder.getF32FloatAttr(lr),
        builder.getF32FloatAttr(beta1), builder.getF32FloatAttr(beta2),
        builder.getF32FloatAttr(eps), builder.getF32FloatAttr(weightDecay),
        maxNormAttr);
    params.push_back({adamw.getNewParam(), p.argument});
    state.push_back({adamw.getNewM(), cast<BlockArgument>(m).getArgNumber()});
    state.push_back({adamw.getNewV(), cast<BlockArgument>(v).getArgNumber()});
  }
  for (auto [value, argument] :
       llvm::concat<std::pair<Value, unsigned>>(params, state)) {
    results.push_back(value);
    resultAttrs.push_back(builder.getDictionaryAttr({builder.getNamedAttr(
        attr::kUpdates, builder.getI64IntegerAttr(argument))}));
  }
  // The clipped norm, last: a training loop logs it.
  if (adamGradNorm) {
    results.push_back(adamGradNorm);
    resultAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr(attr::kGradNorm, builder.getUnitAttr())}));
  }
  setReturnedValues(func, results, resultAttrs);
  return success();
}

void InsertOptimizerPass::runOnOperation() {
  for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>()))
    if (!func.isExternal() && failed(insert(func)))
      return signalPassFailure();
}
