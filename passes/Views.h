//===- Views.h - ops that reinterpret their operand's bytes -----*- C++ -*-===//
//
// A compiled step keeps every tensor dense and row-major, so a reshape
// (tensor.collapse_shape, tensor.expand_shape) moves no data: its result is
// its source's bytes under another shape. qt-fuse makes no kernel of it,
// qt-plan-memory keeps the source's bytes alive while the view is read, and
// the step code generator binds the view to the source's address.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_PASSES_VIEWS_H
#define QTC_PASSES_VIEWS_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::qt {

/// The tensor whose bytes `op`'s one result is, if `op` is a view.
inline Value viewSource(Operation *op) {
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return collapse.getSrc();
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return expand.getSrc();
  return Value();
}

inline bool isView(Operation *op) { return static_cast<bool>(viewSource(op)); }

/// `value`, or the tensor a chain of views of it starts from.
inline Value viewRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    Value source = viewSource(def);
    if (!source)
      break;
    value = source;
  }
  return value;
}

} // namespace mlir::qt

#endif // QTC_PASSES_VIEWS_H
