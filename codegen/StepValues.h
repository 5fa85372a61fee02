//===- StepValues.h - Storage rules as the step ABI's qtc_values -*- C++ -*-===//
//
// The one mapping from a quantized type's StorageValues (the dialect) to the
// runtime's qtc_values (qtc_step.h): qtc-run checks bound storage with it,
// the step code generator writes it into a compiled step's tensor table for
// qtc-step, and runtime/ValueChecks.h applies it in both.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_STEPVALUES_H
#define QTC_CODEGEN_STEPVALUES_H

#include "dialect/StorageValues.h"
#include "runtime/qtc_step.h"

namespace qtc {

inline qtc_values toStepValues(const mlir::qt::StorageValues &values) {
  using Kind = mlir::qt::StorageValues::Kind;
  switch (values.kind) {
  case Kind::Range:
    return {QTC_VALUES_RANGE, values.min, values.max};
  case Kind::Finite:
    return {QTC_VALUES_FINITE, 0, 0};
  case Kind::Any:
    break;
  }
  return {QTC_VALUES_ANY, 0, 0};
}

} // namespace qtc

#endif // QTC_CODEGEN_STEPVALUES_H
