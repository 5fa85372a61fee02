//===- ValueChecks.h - What a tensor's values may be ------------*- C++ -*-===//
//
// The checks qtc-run and qtc-step share, so that both refuse the same
// values with the same message: a quantized type's storage rules (ternary
// adapters, 4-bit codes, finite scales: qtc_values of qtc_step.h), and the
// one policy for non-finite results (an Inf or NaN result is an error and
// nothing is written, unless the user asks for it with --allow-non-finite).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_VALUECHECKS_H
#define QTC_RUNTIME_VALUECHECKS_H

#include "runtime/HostTensor.h"
#include "runtime/Status.h"
#include "runtime/qtc_step.h"

#include <cstdint>

namespace qtc {

/// Checks every element of `tensor` against `rule`; the error names the
/// first element outside it ("value 2 at flat index 5 is outside [-1, 1]").
Status checkValues(const HostTensor &tensor, const qtc_values &rule);

/// The flat index of the first infinite or NaN element of a floating-point
/// tensor (f32, f64, f16, bf16), or -1 (always for integer tensors).
int64_t firstNonFinite(const HostTensor &tensor);

/// "result 'w' has a non-finite value inf at flat index 3": the message of
/// the non-finite policy, shared by both tools (`what` names the tensor).
Status checkFiniteResult(const HostTensor &tensor, const std::string &what);

} // namespace qtc

#endif // QTC_RUNTIME_VALUECHECKS_H
