//===- QtDialect.h - the qt dialect -----------------------------*- C++ -*-===//

#ifndef QT_DIALECT_QTDIALECT_H
#define QT_DIALECT_QTDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialect/QtOpsDialect.h.inc"

#endif // QT_DIALECT_QTDIALECT_H
