//===- QtDialect.cpp - the qt dialect -------------------------------------===//

#include "dialect/QtDialect.h"
#include "dialect/QtOps.h"

using namespace mlir;
using namespace mlir::qt;

#include "dialect/QtOpsDialect.cpp.inc"

void QtDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialect/QtOps.cpp.inc"
      >();
}
