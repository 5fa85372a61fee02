//===- QtAttrs.h - enums and attributes of qt -------------------*- C++ -*-===//

#ifndef QT_DIALECT_QTATTRS_H
#define QT_DIALECT_QTATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include <map>
#include <string>

#include "dialect/QtEnums.h.inc"

namespace mlir::qt {
/// An f64 attribute parameter: any float literal, printed so that it
/// parses back to the same value.
FailureOr<llvm::APFloat> parseF64Parameter(AsmParser &parser);
void printF64Parameter(AsmPrinter &printer, const llvm::APFloat &value);
} // namespace mlir::qt

#define GET_ATTRDEF_CLASSES
#include "dialect/QtAttrs.h.inc"

#endif // QT_DIALECT_QTATTRS_H
