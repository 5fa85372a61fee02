//===- QtFormat.cpp - numeric format rules shared by types and attrs ------===//

#include "dialect/QtFormat.h"

using namespace mlir;

LogicalResult
mlir::qt::verifyGSEFormat(function_ref<InFlightDiagnostic()> emitError,
                          unsigned bits, unsigned group, unsigned expBits) {
  if (bits < 2 || bits > 8)
    return emitError() << "GSE bits must be in [2, 8], found " << bits;
  if (group < 8)
    return emitError() << "GSE group must be at least 8, found " << group;
  if (expBits < 4 || expBits > 8)
    return emitError() << "GSE exp_bits must be in [4, 8], found " << expBits;
  return success();
}
