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

void QtDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialect/QtOps.cpp.inc"
      >();
  addInterfaces<QtInlinerInterface>();
}
