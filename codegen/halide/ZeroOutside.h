//===- ZeroOutside.h - Inputs that read as zero past their extents -*- C++ -*-===//
//
// Kernels compute whole register tiles, also past the edges of their
// outputs; their inputs then read as zero there, which contributes nothing
// to a sum (and Halide's loop partitioning drops the check in the interior).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_ZEROOUTSIDE_H
#define QTC_CODEGEN_HALIDE_ZEROOUTSIDE_H

#include "Halide.h"

namespace qtc::halide {

/// An input buffer (ImageParam or generator Input) that reads 0 outside.
template <typename Input>
Halide::Func zeroOutside(const Input &input) {
  return Halide::BoundaryConditions::constant_exterior(
      input, Halide::cast(input.type(), 0));
}

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_ZEROOUTSIDE_H
