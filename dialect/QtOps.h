//===- QtOps.h - the qt operations ------------------------------*- C++ -*-===//

#ifndef QT_DIALECT_QTOPS_H
#define QT_DIALECT_QTOPS_H

#include "dialect/Differentiation.h"
#include "dialect/QtAttrs.h"
#include "dialect/QtDialect.h"
#include "dialect/QtTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/QtOps.h.inc"

#endif // QT_DIALECT_QTOPS_H
