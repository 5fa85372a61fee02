//===- QtFormat.h - numeric format rules shared by types and attrs -*- C++ -*-//
//
// The ranges NUMERICS.md allows, in one place: the GSE type and the GSQ
// layer attribute both check their parameters here.
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_QTFORMAT_H
#define QT_DIALECT_QTFORMAT_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::qt {

/// GSE mantissa bits 2..8, group at least 8, exponent bits 4..8.
LogicalResult
verifyGSEFormat(llvm::function_ref<InFlightDiagnostic()> emitError,
                unsigned bits, unsigned group, unsigned expBits);

} // namespace mlir::qt

#endif // QT_DIALECT_QTFORMAT_H
