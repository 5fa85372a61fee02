//===- AdamW.h - One AdamW step, elementwise ------------------------------===//
//
// PyTorch's AdamW as codegen/reference/Optimizer.cpp computes it: per element
// in f64, each of p, m, v rounded once (p to f16 for QEFT's weak rows). The
// bias corrections 1 - b^t are scalars the caller computes with std::pow, as
// the reference does. strict_float keeps LLVM from contracting into FMAs, so
// the kernel is bit for bit the reference.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_ADAMW_H
#define QTC_CODEGEN_HALIDE_ADAMW_H

#include "Halide.h"

namespace qtc::halide {

struct AdamWScalars {
  Halide::Expr lr, beta1, beta2, eps, weightDecay; ///< f64
  Halide::Expr gradScale;                         ///< f64, 1 unless clipping
  Halide::Expr correction1, correction2;          ///< 1 - beta^t, f64
};

struct AdamWPipeline {
  Halide::Var i{"i"};
  Halide::Func param{"new_param"}, m{"new_m"}, v{"new_v"};
};

/// Flat tensors (any shape, viewed 1-D): param (f32, or f16 when halfParam),
/// grad, m, v (f32).
AdamWPipeline defineAdamW(Halide::Func param, Halide::Func grad, Halide::Func m,
                          Halide::Func v, const AdamWScalars &s, bool halfParam);

void scheduleAdamWCpu(AdamWPipeline &p, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_ADAMW_H
