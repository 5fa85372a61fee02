//===- StepTable.h - Reading a compiled step's tensor table -----*- C++ -*-===//
//
// What qtc-step and qtc-train share about a qtc_program's argument and result
// tables (qtc_step.h): each entry's dtype and shape as the runtime's types, a
// name for messages, and the lookups a driver makes.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_STEPTABLE_H
#define QTC_RUNTIME_STEPTABLE_H

#include "runtime/HostTensor.h"
#include "runtime/qtc_step.h"

#include <string>

namespace qtc {

inline DType stepDType(const qtc_tensor_info &info) {
  return static_cast<DType>(info.dtype);
}

inline Shape stepShape(const qtc_tensor_info &info) {
  return Shape(info.shape, info.shape + info.rank);
}

/// "'name' (f32 [2, 3])", for messages.
std::string describeStepTensor(const qtc_tensor_info &info);

/// "input", "param", ...: the role as --list-arguments prints it.
const char *stepRoleName(qtc_role role);

/// A rank-0 tensor holding the `dtype` value at `value`.
HostTensor scalarTensor(DType dtype, const void *value);

/// The index of the argument named `name`, or -1.
int findStepArgument(const qtc_program &program, const std::string &name);

/// The index of the first argument of `role`, or -1.
int findStepArgument(const qtc_program &program, qtc_role role);

} // namespace qtc

#endif // QTC_RUNTIME_STEPTABLE_H
