//===- QtDialect.cpp - the qt dialect -------------------------------------===//

#include "dialect/QtDialect.h"
#include "dialect/QtOps.h"

using namespace mlir;
using namespace mlir::qt;

#include "mlir/Transforms/InliningUtils.h"

#include "dialect/QtOpsDialect.cpp.inc"

namespace {

/// qt ops are pure values of their operands (qt.kernel's body included), so
/// an imported model's layer functions inline into the step.
struct QtInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
};

} // namespace

LogicalResult QtDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attribute) {
  // The other qt.* argument attributes (names, roles) are the passes'
  // markers, checked where they are read.
  if (attribute.getName() == "qt.init" &&
      !isa<ParamInitAttr>(attribute.getValue()))
    return op->emitError("argument #")
           << argIndex << ": 'qt.init' must be a #qt<param_init ...>, found "
           << attribute.getValue();
  return success();
}

void QtDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialect/QtOps.cpp.inc"
      >();
  addInterfaces<QtInlinerInterface>();
}
