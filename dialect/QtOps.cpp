//===- QtOps.cpp - generated op definitions -------------------------------===//
//
// Only the ODS-generated code; each op family's verifiers and folders live in
// the .cpp named after its .td file.
//
//===----------------------------------------------------------------------===//

#include "dialect/QtOps.h"

#define GET_OP_CLASSES
#include "dialect/QtOps.cpp.inc"
