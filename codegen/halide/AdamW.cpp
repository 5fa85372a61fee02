//===- AdamW.cpp - One AdamW step, elementwise ----------------------------===//
#include "codegen/halide/AdamW.h"

using namespace Halide;

namespace qtc::halide {

AdamWPipeline defineAdamW(Func param, Func grad, Func m, Func v,
                          const AdamWScalars &s, bool halfParam) {
  AdamWPipeline p;
  Var &i = p.i;
  Expr g = cast<double>(grad(i));
  Expr p0 = cast<double>(cast<float>(param(i)));
  // The reference's order of operations, step by step.
  Expr decayed = p0 - s.lr * s.weightDecay * p0;
  Expr mi = s.beta1 * cast<double>(m(i)) + (Expr(1.0) - s.beta1) * g;
  Expr vi = s.beta2 * cast<double>(v(i)) + (Expr(1.0) - s.beta2) * g * g;
  Expr updated =
      decayed - s.lr * (mi / s.correction1) / (sqrt(vi / s.correction2) + s.eps);
  Expr rounded = cast<float>(strict_float(updated));
  p.param(i) = halfParam ? cast<float16_t>(rounded) : rounded;
  p.m(i) = cast<float>(strict_float(mi));
  p.v(i) = cast<float>(strict_float(vi));
  return p;
}

void scheduleAdamWCpu(AdamWPipeline &p, int lanes) {
  Var io("io"), ii("ii");
  for (Func f : {p.param, p.m, p.v})
    f.compute_root()
        .split(p.i, io, ii, 64 * lanes, TailStrategy::GuardWithIf)
        .vectorize(ii, lanes)
        .parallel(io);
}

} // namespace qtc::halide
