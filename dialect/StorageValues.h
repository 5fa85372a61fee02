//===- StorageValues.h - The values a storage tensor may hold ---*- C++ -*-===//
//
// A quantized type's storage tensors cannot hold any bit pattern: LoTA's
// adapters are ternary, 4-bit codes stop at 15, a GSE mantissa is within
// +-(2^(bits-1) - 1), a scale is finite. Each quantized type states this per
// storage tensor (QuantizedTypeInterface::getStorageValues), so that every
// reader of a stored value, the interpreter's qtc-run and a compiled step's
// qtc-step, refuses the same out-of-range values with the same message.
//
//===----------------------------------------------------------------------===//
#ifndef QT_DIALECT_STORAGEVALUES_H
#define QT_DIALECT_STORAGEVALUES_H

#include <cstdint>

namespace mlir::qt {

struct StorageValues {
  enum class Kind {
    Any,    ///< every bit pattern is a value (NF4's packed nibbles)
    Range,  ///< integers in [min, max], read as the storage element type
    Finite, ///< floats that are neither infinite nor NaN
  };
  Kind kind = Kind::Any;
  int64_t min = 0, max = 0;

  static StorageValues any() { return {}; }
  static StorageValues range(int64_t min, int64_t max) {
    return {Kind::Range, min, max};
  }
  static StorageValues finite() { return {Kind::Finite, 0, 0}; }
};

} // namespace mlir::qt

#endif // QT_DIALECT_STORAGEVALUES_H
