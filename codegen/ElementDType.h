//===- ElementDType.h - MLIR element types as runtime dtypes ----*- C++ -*-===//
//
// The one mapping from an MLIR element type to the runtime's element type:
// the interpreter reads and writes host tensors with it, the step code
// generator describes a compiled step's tensors (qtc_step.h) with it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_ELEMENTDTYPE_H
#define QTC_CODEGEN_ELEMENTDTYPE_H

#include "runtime/DType.h"

#include "mlir/IR/Types.h"

#include <optional>

namespace qtc {

/// std::nullopt for element types no host tensor holds.
inline std::optional<DType> dtypeOfElement(mlir::Type element) {
  if (element.isF32())
    return DType::F32;
  if (element.isF64())
    return DType::F64;
  if (element.isF16())
    return DType::F16;
  if (element.isBF16())
    return DType::BF16;
  if (element.isIndex() || element.isInteger(64))
    return DType::I64;
  if (element.isInteger(32))
    return DType::I32;
  if (element.isInteger(16))
    return DType::I16;
  if (element.isInteger(8))
    return DType::I8;
  if (element.isInteger(1))
    return DType::Bool;
  return std::nullopt;
}

} // namespace qtc

#endif // QTC_CODEGEN_ELEMENTDTYPE_H
