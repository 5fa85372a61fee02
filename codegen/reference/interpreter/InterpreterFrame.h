//===- InterpreterFrame.h - The values of one running function --*- C++ -*-===//
//
// Shared by the interpreter's driver (builtin dialects) and its qt op
// handlers. Types are guaranteed by the verifier, so accessors index the
// variant directly; what only run time can check (value ranges, NaNs,
// indices) comes back as a Status.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_REFERENCE_INTERPRETER_INTERPRETERFRAME_H
#define QTC_REFERENCE_INTERPRETER_INTERPRETERFRAME_H

#include "codegen/reference/interpreter/RuntimeValue.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::qt {

class InterpreterFrame {
public:
  const RuntimeValue &get(Value value) const {
    auto it = values.find(value);
    assert(it != values.end() && "value used before it is defined");
    return it->second;
  }
  void set(Value value, RuntimeValue runtimeValue) {
    values[value] = std::move(runtimeValue);
  }

  template <typename T>
  const Array<T> &array(Value value) const {
    return std::get<Array<T>>(get(value));
  }
  Array<float> f32(Value value) const {
    return toF32(value.getType(), get(value));
  }
  /// An integer tensor or scalar of any width as int64 values.
  std::vector<int64_t> ints(Value value) const;
  int64_t scalarInt(Value value) const { return ints(value).front(); }
  float scalarF32(Value value) const { return array<float>(value)[0]; }

private:
  llvm::DenseMap<Value, RuntimeValue> values;
};

/// Evaluates one op of the qt dialect; failure() if `op` is not one.
FailureOr<qtc::Status> interpretQtOp(Operation *op, InterpreterFrame &frame);

} // namespace mlir::qt

#endif // QTC_REFERENCE_INTERPRETER_INTERPRETERFRAME_H
