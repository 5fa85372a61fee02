//===- ApplyMethod.cpp - qt.linear into a method's layer ------------------===//
//
// The one place that knows what each method adds to a linear layer: which
// composite op, which trainable parameters and what the base weight must be.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialect/ModulePath.h"
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
  /// Appends a trainable parameter to `func` named `<module>.<name>`,
  /// started by `init`.
  Value addParameter(func::FuncOp func, Type type, StringRef module,
                     StringRef name, ParamInit init, Location loc);
};

} // namespace

Value ApplyMethodPass::addParameter(func::FuncOp func, Type type,
                                    StringRef module, StringRef name,
                                    ParamInit init, Location loc) {
  Builder b(func.getContext());
  std::string full = (module + "." + name).str();
  auto attrs = b.getDictionaryAttr(
      {b.getNamedAttr(attr::kTrainable, b.getUnitAttr()),
       b.getNamedAttr(attr::kName, b.getStringAttr(full)),
       b.getNamedAttr(attr::kInit, ParamInitAttr::get(b.getContext(), init))});
  unsigned position = func.getNumArguments();
  func.insertArgument(position, type, attrs, loc);
  return func.getArgument(position);
}

LogicalResult ApplyMethodPass::apply(Method m, LinearOp linear,
                                     unsigned index) {
  std::string path = modulePath(linear.getLoc());
  std::string module = path.empty() ? "linear" + std::to_string(index) : path;
  auto func = dyn_cast<func::FuncOp>(linear->getParentOp());
  if (!func)
    return linear.emitOpError(
        "must be directly in a func.func body to take new parameters");
  // f32 LoRA and GSQ also take Hugging Face's [out, in] float weights (GSQ
  // casts them along in_features, as it casts an [in, out] weight); the
  // integer bases of LoTA and QEFT are [in, out] (GPTQ's layout), as is an
  // NF4 base.
  WeightLayout layout = linear.getWeightLayout();
  bool floatWeight = isa<RankedTensorType>(linear.getWeight().getType());
  if (layout != WeightLayout::InOut &&
      !(m == Method::Lora || (m == Method::Gsq && floatWeight)))
    return linear.emitOpError("method '")
           << method << "' takes [in, out] weights"
           << (m == Method::Gsq ? " when they are quantized" : "")
           << "; weight_layout " << stringifyWeightLayout(layout)
           << " (Hugging Face's [out, in]) is supported by 'lora' and, for "
              "float weights, 'gsq'";
  Location loc = linear.getLoc();
  Value weight = linear.getWeight();
  Type weightType = weight.getType();
  ArrayRef<int64_t> shape = *getTensorLikeShape(weightType);
  bool outIn = layout == WeightLayout::OutIn;
  int64_t in = shape[outIn ? 1 : 0], out = shape[outIn ? 0 : 1];
  MLIRContext *ctx = &getContext();
  Type f32 = Float32Type::get(ctx);

  // LoTA and QEFT read the integer codes of a GPTQ-style base; LoTA also
  // merges into scaled zeros (ggml's Q4_1).
  auto affine = dyn_cast<AffineType>(weightType);
  if (m == Method::Qeft && (!affine || affine.getZero() != ZeroForm::Int))
    return linear.emitOpError("method 'qeft' needs an !qt.affine weight with "
                              "integer zeros, found ")
           << weightType;
  if (m == Method::Lota && (!affine || affine.getZero() == ZeroForm::Float))
    return linear.emitOpError("method 'lota' needs an !qt.affine weight with "
                              "integer or scaled zeros, found ")
           << weightType;
  if (m != Method::Qeft && rank <= 0)
    return linear.emitOpError("method '")
           << method << "' needs rank > 0, found " << rank.getValue();

  OpBuilder builder(linear);
  Value result;
  switch (m) {
  case Method::Lora:
  case Method::Gsq: {
    Value a = addParameter(func, RankedTensorType::get({in, rank}, f32), module,
                           "a", ParamInit::UniformFanIn, loc);
    Value b = addParameter(func, RankedTensorType::get({rank, out}, f32),
                           module, "b", ParamInit::Zeros, loc);
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
                                          builder.getF32FloatAttr(alpha), gsq,
                                          WeightLayoutAttr::get(ctx, layout));
    break;
  }
  case Method::Lota: {
    Value a = addParameter(func, TernaryType::get(ctx, {in, rank}), module, "a",
                           ParamInit::TernaryKaiming, loc);
    Value b = addParameter(func, TernaryType::get(ctx, {rank, out}), module,
                           "b", ParamInit::Zeros, loc);
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
        module, "weak", ParamInit::Given, loc);
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
  getOperation().walk([&](LinearOp op) {
    std::string path = modulePath(op.getLoc());
    if (targets.empty() || llvm::any_of(targets, [&](const std::string &t) {
          return endsWithModule(path, t);
        }))
      linears.push_back(op);
  });
  if (linears.empty() && !targets.empty()) {
    getOperation().emitError("qt-apply-method: no qt.linear is named by "
                             "targets=")
        << llvm::join(targets, ",");
    return signalPassFailure();
  }
  for (auto [index, linear] : llvm::enumerate(linears))
    if (failed(apply(*m, linear, index)))
      return signalPassFailure();
}
