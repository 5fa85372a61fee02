//===- StepSignature.h - rewriting what a training step returns -*- C++ -*-===//
//
// qt-autodiff and qt-insert-optimizer both change a function's results
// (gradients appended, gradients replaced by updated parameters), each
// result tagged with what it is.
//
//===----------------------------------------------------------------------===//
#ifndef QT_PASSES_STEPSIGNATURE_H
#define QT_PASSES_STEPSIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::qt {

/// Makes `func` (single block) return `results`, with `resultAttrs` as the
/// results' attribute dictionaries, and updates its type.
inline void setReturnedValues(func::FuncOp func, ArrayRef<Value> results,
                              ArrayRef<DictionaryAttr> resultAttrs) {
  Block &body = func.getBody().front();
  Operation *ret = body.getTerminator();
  OpBuilder(ret).create<func::ReturnOp>(ret->getLoc(), results);
  ret->erase();
  func.setType(FunctionType::get(func.getContext(), body.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  func.setAllResultAttrs(resultAttrs);
}

} // namespace mlir::qt

#endif // QT_PASSES_STEPSIGNATURE_H
