//===- GlobalNorm.h - sums of squares for qt.global_norm --------*- C++ -*-===//
//
// One tensor's sum of squares in f64, in element order, as the reference
// sums it; the step adds the sums and takes the root (qt.global_norm).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_GLOBALNORM_H
#define QTC_CODEGEN_HALIDE_GLOBALNORM_H

#include "Halide.h"

namespace qtc::halide {

/// sum(x(i)^2) over i in [0, count), in f64 and in order, as a scalar Func.
/// Each square of a widened f32 is exact in f64, so a fused multiply-add
/// rounds as the separate add does.
Halide::Func defineSumOfSquares(Halide::Func x, Halide::Expr count);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_GLOBALNORM_H
