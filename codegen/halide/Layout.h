//===- Layout.h - Generic layout kernels (pad, slice) -----------*- C++ -*-===//
//
// The layout ops a missed fusion leaves behind (QEFT's padded weak-row dX,
// the weak slice of x) as kernels of their own: plain copies, exact.
// Slower than reading in place, never a failed compile.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_LAYOUT_H
#define QTC_CODEGEN_HALIDE_LAYOUT_H

#include "Halide.h"

namespace qtc::halide {

/// out(x, y) = in(x - low1, y - low0) inside `in`'s extents, else `value`
/// (dimension 0 of Halide is the innermost, the tensor's last).
template <typename Input>
Halide::Func definePad(const Input &in, Halide::Expr value, Halide::Expr low0,
                       Halide::Expr low1) {
  Halide::Var x("x"), y("y");
  Halide::Func padded =
      Halide::BoundaryConditions::constant_exterior(in, value);
  Halide::Func out("pad");
  out(x, y) = padded(x - low1, y - low0);
  return out;
}

/// out(x, y) = in(offset1 + x stride1, offset0 + y stride0).
Halide::Func defineSlice(Halide::Func in, Halide::Expr offset0,
                         Halide::Expr offset1, Halide::Expr stride0,
                         Halide::Expr stride1);

/// Rows (dimension 1) in parallel, vectors along them: the layout copies'
/// schedule, and the row-wise model ops' (codegen/halide/ModelOps.h).
void scheduleRowsCpu(Halide::Func out, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_LAYOUT_H
