//===- Layout.cpp - Generic layout kernels (pad, slice) -------------------===//
#include "codegen/halide/Layout.h"

using namespace Halide;

namespace qtc::halide {

Func defineSlice(Func in, Expr offset0, Expr offset1, Expr stride0,
                 Expr stride1) {
  Var x("x"), y("y");
  Func out("slice");
  out(x, y) = in(offset1 + x * stride1, offset0 + y * stride0);
  return out;
}

void scheduleRowsCpu(Func out, int lanes) {
  Var x = out.args()[0], y = out.args()[1];
  out.vectorize(x, lanes, TailStrategy::GuardWithIf).parallel(y);
}

} // namespace qtc::halide
