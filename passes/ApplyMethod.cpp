//===- ApplyMethod.cpp - qt.linear into a method's layer ------------------===//
//
// The one place that knows what each method adds to a linear layer: which
// composite op, which trainable parameters and what the base weight must be.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialect/QtOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

namespace mlir::qt {
#define GEN_PASS_DEF_QTAPPLYMETHOD
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

enum class Method { Lora, Gsq, Lota, Qeft };

struct ApplyMethodPass : qt::impl::QtApplyMethodBase<ApplyMethodPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// Rewrites one qt.linear, the `index`-th of the module.
  LogicalResult apply(Method m, LinearOp linear, unsigned index);
  /// Appends a trainable parameter to `func` named `linear<index>.<name>`.
  Value addParameter(func::FuncOp func, Type type, unsigned index,
                     StringRef name, Location loc);
};

} // namespace

Value ApplyMethodPass::addParameter(func::FuncOp func, Type type,
                                    unsigned index, StringRef name,
                                    Location loc) {
  Builder b(func.getContext());
  std::string full = ("linear" + Twine(index) + "." + name).str();
  auto attrs =
      b.getDictionaryAttr({b.getNamedAttr(attr::kTrainable, b.getUnitAttr()),
                           b.getNamedAttr(attr::kName, b.getStringAttr(full))});
  unsigned position = func.getNumArguments();
  func.insertArgument(position, type, attrs, loc);
  return func.getArgument(position);
}

LogicalResult ApplyMethodPass::apply(Method m, LinearOp linear,
                                     unsigned index) {
  auto func = dyn_cast<func::FuncOp>(linear->getParentOp());
  if (!func)
    return linear.emitOpError(
        "must be directly in a func.func body to take new parameters");
  // The method composites take [in, out] weights; the HF layout reaches
  // them once their kernels read a transposed base (issue 12).
  if (linear.getWeightLayout() != WeightLayout::InOut)
    return linear.emitOpError("qt-apply-method takes [in, out] weights; "
                              "weight_layout ")
           << stringifyWeightLayout(linear.getWeightLayout())
           << " (Hugging Face's [out, in]) is not supported by the methods "
              "yet";
  Location loc = linear.getLoc();
  Value weight = linear.getWeight();
  Type weightType = weight.getType();
  ArrayRef<int64_t> shape = *getTensorLikeShape(weightType);
  int64_t in = shape[0], out = shape[1];
  MLIRContext *ctx = &getContext();
  Type f32 = Float32Type::get(ctx);

  // LoTA and QEFT read the integer codes of a GPTQ-style base.
  auto affine = dyn_cast<AffineType>(weightType);
  if ((m == Method::Lota || m == Method::Qeft) &&
      (!affine || affine.getZero() != ZeroForm::Int))
    return linear.emitOpError("method '")
           << method << "' needs an !qt.affine weight with integer zeros, "
           << "found " << weightType;
  if (m != Method::Qeft && rank <= 0)
    return linear.emitOpError("method '")
           << method << "' needs rank > 0, found " << rank.getValue();

  OpBuilder builder(linear);
  Value result;
  switch (m) {
  case Method::Lora:
  case Method::Gsq: {
    Value a = addParameter(func, RankedTensorType::get({in, rank}, f32), index,
                           "a", loc);
    Value b = addParameter(func, RankedTensorType::get({rank, out}, f32), index,
                           "b", loc);
    GSQConfigAttr gsq;
    if (m == Method::Gsq) {
      if (group <= 0)
        return linear.emitOpError("GSQ needs group > 0, found ")
               << group.getValue();
      // The GSE format's own rules (a group of at least 8, ...), reported
      // at the layer instead of producing types that do not verify.
      auto emitError = [&] { return linear.emitOpError(); };
      unsigned g = static_cast<unsigned>(group.getValue());
      if (failed(GSQConfigAttr::verify(emitError, 8, g, 8, ExpRule::Floor,
                                       Rounding::RNE, Rounding::Stochastic)))
        return failure();
      gsq = GSQConfigAttr::get(ctx, 8, g, 8, ExpRule::Floor, Rounding::RNE,
                               Rounding::Stochastic);
    }
    result = builder.create<LoraLinearOp>(loc, linear.getType(), linear.getX(),
                                          weight, a, b,
                                          builder.getF32FloatAttr(alpha), gsq);
    break;
  }
  case Method::Lota: {
    Value a =
        addParameter(func, TernaryType::get(ctx, {in, rank}), index, "a", loc);
    Value b =
        addParameter(func, TernaryType::get(ctx, {rank, out}), index, "b", loc);
    FloatAttr omegaAttr =
        omega > 0 ? builder.getF32FloatAttr(omega) : FloatAttr();
    result = builder.create<LotaLinearOp>(
        loc, linear.getType(), linear.getX(), weight, a, b, omegaAttr,
        OffsetScaleAttr::get(ctx, OffsetScale::InvOmega));
    break;
  }
  case Method::Qeft: {
    if (outliers <= 0 || outliers > in)
      return linear.emitOpError("QEFT needs outliers in [1, ")
             << in << "] (the weight's input features), found "
             << outliers.getValue();
    Value weak = addParameter(
        func, RankedTensorType::get({outliers, out}, Float16Type::get(ctx)),
        index, "weak", loc);
    result = builder.create<QeftLinearOp>(loc, linear.getType(), linear.getX(),
                                          weight, weak);
    break;
  }
  }
  if (auto arg = dyn_cast<BlockArgument>(weight);
      arg && arg.getOwner()->getParentOp() == func)
    func.setArgAttr(arg.getArgNumber(), attr::kFrozen, builder.getUnitAttr());
  linear.replaceAllUsesWith(result);
  linear.erase();
  return success();
}

void ApplyMethodPass::runOnOperation() {
  std::optional<Method> m = llvm::StringSwitch<std::optional<Method>>(method)
                                .Case("lora", Method::Lora)
                                .Case("gsq", Method::Gsq)
                                .Case("lota", Method::Lota)
                                .Case("qeft", Method::Qeft)
                                .Default(std::nullopt);
  if (!m) {
    getOperation().emitError("qt-apply-method: unknown method '")
        << method << "'; expected lora, gsq, lota or qeft";
    return signalPassFailure();
  }
  SmallVector<LinearOp> linears;
  getOperation().walk([&](LinearOp op) { linears.push_back(op); });
  for (auto [index, linear] : llvm::enumerate(linears))
    if (failed(apply(*m, linear, index)))
      return signalPassFailure();
}
