//===- QtAttrs.cpp - enums and attributes of qt ---------------------------===//

#include "dialect/QtAttrs.h"
#include "dialect/QtDialect.h"
#include "dialect/QtFormat.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qt;

#include "dialect/QtEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/QtAttrs.cpp.inc"

void QtDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/QtAttrs.cpp.inc"
      >();
}

LogicalResult
GSQConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned bits, unsigned group, unsigned expBits,
                      ExpRule, Rounding, Rounding) {
  return verifyGSEFormat(emitError, bits, group, expBits);
}
