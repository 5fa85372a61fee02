//===- ModelOps.h - RMSNorm and SwiGLU kernels and gradients ----*- C++ -*-===//
//
// The elementwise and row-reduction model ops of a decoder layer
// (NUMERICS.md 6), token-major: x [T, D] is indexed (d, t) in Halide's
// innermost-first order. RMSNorm computes in f64 in the reference's order
// (strict_float: no reassociation, no FMA contraction) and rounds each
// result once, bit for bit the reference; SwiGLU computes in f32 with
// Halide's vectorized exp, within a few ulp of the reference's f64.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_MODELOPS_H
#define QTC_CODEGEN_HALIDE_MODELOPS_H

#include "Halide.h"

namespace qtc::halide {

struct RMSNorm {
  Halide::Func y;
  /// Per-row 1/rms (f64), computed once per row.
  Halide::Func inv;
};
/// y(d, t) = x(d, t) * w(d) / sqrt(mean_d x(d, t)^2 + eps), D = width.
RMSNorm defineRMSNorm(Halide::Func x, Halide::Func w, Halide::Expr width,
                      Halide::Expr eps);

struct RMSNormGrad {
  Halide::Func dx, dw;
  /// Per-row 1/rms and sum_d dy w x (f64), computed once per row; dw's f64
  /// column sums.
  Halide::Func inv, dot, dwSum;
};
/// dx(d, t) = inv dy w - inv^3 x (sum_d dy w x) / D; dw(d) = sum_t dy x inv.
RMSNormGrad defineRMSNormGrad(Halide::Func x, Halide::Func w, Halide::Func dy,
                              Halide::Expr width, Halide::Expr tokens,
                              Halide::Expr eps);

/// silu(gate) * up over flat f32 views.
Halide::Func defineSwiGLU(Halide::Func gate, Halide::Func up);
struct SwiGLUGrad {
  Halide::Func dgate, dup;
};
SwiGLUGrad defineSwiGLUGrad(Halide::Func gate, Halide::Func up,
                            Halide::Func dy);

/// CPU schedules: rows in parallel, the width vectorized with `lanes`.
void scheduleRMSNormCpu(RMSNorm norm, int lanes);
void scheduleRMSNormGradCpu(RMSNormGrad grad, int lanes);
void scheduleSwiGLUCpu(Halide::Func out, int lanes);
void scheduleSwiGLUGradCpu(SwiGLUGrad grad, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_MODELOPS_H
