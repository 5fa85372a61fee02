//===- Differentiation.h - reverse-mode differentiation ---------*- C++ -*-===//
//
// The differentiation op interface and what its implementations share.
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_DIFFERENTIATION_H
#define QT_DIALECT_DIFFERENTIATION_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/FunctionExtras.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::qt {

/// Hands out the seeds of stochastic casts in the backward pass: the first is
/// the step's seed argument itself, the k-th is `seed + k`. The argument is
/// created on first use, so programs without stochastic rounding get none.
class SeedSource {
public:
  explicit SeedSource(llvm::unique_function<Value()> makeSeedArgument)
      : makeSeedArgument(std::move(makeSeedArgument)) {}

  /// The next seed, an i64 value built at the builder's insertion point.
  Value next(OpBuilder &builder, Location loc);

  /// How many seeds were handed out.
  unsigned count() const { return taken; }

private:
  llvm::unique_function<Value()> makeSeedArgument;
  Value seed;
  unsigned taken = 0;
};

/// Attaches the differentiation interface to the arith ops a layer uses
/// (addf, subf, mulf).
void registerArithDifferentiationModels(DialectRegistry &registry);
/// Attaches it to tensor.collapse_shape and tensor.expand_shape.
void registerTensorDifferentiationModels(DialectRegistry &registry);

} // namespace mlir::qt

#include "dialect/QtOpInterfaces.h.inc"

#endif // QT_DIALECT_DIFFERENTIATION_H
