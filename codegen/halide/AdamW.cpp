//===- AdamW.cpp - One AdamW step, elementwise ----------------------------===//
#include "codegen/halide/AdamW.h"

using namespace Halide;

namespace qtc::halide {
namespace {

/// `d` (f64) rounded once to f16, as NUMERICS.md 5 wants. Halide casts f64
/// to f16 through f32, which can round twice (1 element in 716 was an f16
/// ulp off). Rounding to f32 *to odd* first (truncate, then set the last
/// bit if anything was dropped) keeps the sticky information, so the f32 to
/// f16 rounding that follows is the correctly rounded result: f32's 24 bits
/// are at least f16's 11 + 2. `nearest` is cast<float>(d).
Expr roundOnceToHalf(Expr d, Expr nearest) {
  Expr bits = reinterpret<uint32_t>(nearest);
  Expr back = cast<double>(nearest);
  // Rounding to nearest went away from zero: step the magnitude down one.
  Expr truncated = select(abs(back) > abs(d), bits - 1, bits);
  Expr odd = select(back != d, truncated | 1, bits);
  return cast<float16_t>(strict_float(reinterpret<float>(odd)));
}

} // namespace

AdamWPipeline defineAdamW(Func param, Func grad, Func m, Func v,
                          const AdamWScalars &s, bool halfParam) {
  AdamWPipeline p;
  Var &i = p.i;
  Expr g = cast<double>(grad(i)) * s.gradScale;
  Expr p0 = cast<double>(cast<float>(param(i)));
  // The reference's order of operations, step by step.
  Expr decayed = p0 - s.lr * s.weightDecay * p0;
  Expr mi = s.beta1 * cast<double>(m(i)) + (Expr(1.0) - s.beta1) * g;
  Expr vi = s.beta2 * cast<double>(v(i)) + (Expr(1.0) - s.beta2) * g * g;
  Expr updated =
      decayed - s.lr * (mi / s.correction1) / (sqrt(vi / s.correction2) + s.eps);
  Expr rounded = cast<float>(strict_float(updated));
  p.param(i) = halfParam ? roundOnceToHalf(strict_float(updated), rounded)
                         : rounded;
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
