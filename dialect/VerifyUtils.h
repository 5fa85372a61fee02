//===- VerifyUtils.h - diagnostics shared by op verifiers -------*- C++ -*-===//
//
// Every verifier diagnostic says what was expected and what was found. The
// helpers take the rule's wording as their `what` argument so that each rule
// reads (and is tested) as its own sentence: "<what> must be 64, found 32".
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_VERIFYUTILS_H
#define QT_DIALECT_VERIFYUTILS_H

#include "dialect/QtTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::qt {

/// The shape of a ranked tensor or quantized tensor (ODS constraints have
/// already ensured the type is one of those).
ArrayRef<int64_t> shapeOf(Type type);

/// "<what> must have rank <rank>, found rank <r>".
LogicalResult expectRank(Operation *op, StringRef what, Type type,
                         int64_t rank);

/// "<what> must be <expected>, found <found>"; a dynamic extent on either
/// side is accepted (it is checked at run time).
LogicalResult expectDim(Operation *op, StringRef what, int64_t found,
                        int64_t expected);

/// "<what> must be <expected shape>, found <found shape>", with dynamic
/// extents accepted as above.
LogicalResult expectShape(Operation *op, StringRef what,
                          ArrayRef<int64_t> found, ArrayRef<int64_t> expected);

/// A `seed` operand is required exactly when the result type is a GSE
/// tensor with stochastic rounding.
LogicalResult expectSeedMatchesRounding(Operation *op, Value seed,
                                        Type result);

/// "<what> must be positive, found <value>".
LogicalResult expectPositive(Operation *op, StringRef what, double value);

/// LoTA moves integer codes and QEFT keeps zero codes on its weak rows:
/// both need an integer zero point (`zero = int`).
LogicalResult expectIntegerZero(Operation *op, AffineType weight);

} // namespace mlir::qt

#endif // QT_DIALECT_VERIFYUTILS_H
