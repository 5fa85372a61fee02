//===- Interpreter.h - Run a function of qt IR on the reference numerics -===//
//
// Evaluates a func.func of tensor-level IR op by op: qt ops with the
// reference numerics, and the arith, tensor and func ops that hand-written
// and generated training steps use around them. Every failure (an op it
// does not know, a NaN reaching a quantize, an id out of range) is a Status
// naming the op and its source location.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_INTERPRETER_INTERPRETER_H
#define QTC_REFERENCE_INTERPRETER_INTERPRETER_H

#include "codegen/reference/interpreter/RuntimeValue.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::qt {

/// Runs `func` on `args` (one per function argument, of the argument's type)
/// and returns one value per result.
qtc::Status interpret(func::FuncOp func, ArrayRef<RuntimeValue> args,
                      SmallVectorImpl<RuntimeValue> &results);

} // namespace mlir::qt

#endif // QTC_REFERENCE_INTERPRETER_INTERPRETER_H
