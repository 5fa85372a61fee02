//===- Passes.h - qtc passes ------------------------------------*- C++ -*-===//

#ifndef QT_PASSES_PASSES_H
#define QT_PASSES_PASSES_H

#include "dialect/QtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qt {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Argument and result attributes the passes use to say what each function
/// argument and result of a training step is.
namespace attr {
/// A parameter the method trains (qt-apply-method).
constexpr StringLiteral kTrainable = "qt.trainable";
/// On a trainable argument: how a trainer starts it (a qt::ParamInitAttr).
constexpr StringLiteral kInit = "qt.init";
/// A weight that never changes (qt-apply-method).
constexpr StringLiteral kFrozen = "qt.frozen";
/// A readable name for weights files and diagnostics.
constexpr StringLiteral kName = "qt.name";
/// On a result: the index of the argument it is the gradient of.
constexpr StringLiteral kGradOf = "qt.grad_of";
/// On an argument: the index of the result it is the gradient for.
constexpr StringLiteral kGradOfResult = "qt.grad_of_result";
/// The i64 seed of the backward's stochastic casts.
constexpr StringLiteral kSeed = "qt.seed";
/// The 1-based i64 step number of the optimizers.
constexpr StringLiteral kStep = "qt.step";
/// The f32 global gradient norm that t-SignSGD's upper cut reads (on an
/// argument); on a result, the norm AdamW's clipping computed.
constexpr StringLiteral kGradNorm = "qt.grad_norm";
/// The f32 factor of AdamW's learning rate, set per step by a schedule.
constexpr StringLiteral kLrScale = "qt.lr_scale";
/// An optimizer's state (AdamW moments), zero at the first step.
constexpr StringLiteral kOptimizerState = "qt.optimizer_state";
/// On a result: the index of the argument it replaces at the next step.
constexpr StringLiteral kUpdates = "qt.updates";
} // namespace attr

/// Registers the named pipelines (Pipelines.cpp).
void registerPipelines();

/// Inlines a model's layer functions (qtc import) into the function calling
/// them and drops them: one training step is one function. No cleanup
/// pipeline runs, so a single layer goes through as it came. The first
/// stage of qt-train-pipeline and of `qtc compile`.
void addInlineLayerPasses(OpPassManager &pm);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::qt

#endif // QT_PASSES_PASSES_H
