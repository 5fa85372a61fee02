//===- QtTypes.h - quantized tensor types -----------------------*- C++ -*-===//

#ifndef QT_DIALECT_QTTYPES_H
#define QT_DIALECT_QTTYPES_H

#include "dialect/QtAttrs.h"
#include "dialect/StorageValues.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include "dialect/QtTypeInterfaces.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/QtOpsTypes.h.inc"

namespace mlir::qt {

/// The shape of a ranked tensor or of a qt quantized tensor; std::nullopt for
/// any other type.
std::optional<ArrayRef<int64_t>> getTensorLikeShape(Type type);

/// The tensors that hold a value in memory: a quantized type's storage
/// (`qt.pack` order), a ranked tensor itself, nothing for a scalar.
SmallVector<RankedTensorType> getStorageTypes(Type type);

/// A name per storage tensor ("codes", "scales", ...); one empty name for a
/// plain tensor or scalar.
SmallVector<std::string> getStorageNames(Type type);

/// The values each storage tensor may hold: a quantized type's rules, Any
/// for a plain tensor.
SmallVector<StorageValues> getStorageValues(Type type);

/// The bytes of a statically shaped tensor's elements.
int64_t getByteSize(RankedTensorType type);

} // namespace mlir::qt

#endif // QT_DIALECT_QTTYPES_H
