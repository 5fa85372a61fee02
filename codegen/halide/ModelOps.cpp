//===- ModelOps.cpp - RMSNorm and SwiGLU kernels and gradients ------------===//
#include "codegen/halide/ModelOps.h"

using namespace Halide;

namespace qtc::halide {

namespace {

Expr f64(Expr e) { return cast<double>(e); }

/// 1 / sqrt(mean_d x(d, t)^2 + eps) per row, in f64, summed in order.
Func inverseRms(Func x, Expr width, Expr eps, const char *name) {
  Var t("t");
  RDom d(0, width, "d");
  Func sumSquares(std::string(name) + "_sum_squares");
  Expr v = f64(x(d, t));
  sumSquares(t) = Expr(0.0);
  sumSquares(t) = strict_float(sumSquares(t) + v * v);
  Func inv(name);
  inv(t) = strict_float(Expr(1.0) / sqrt(sumSquares(t) / f64(width) + f64(eps)));
  return inv;
}

} // namespace

RMSNorm defineRMSNorm(Func x, Func w, Expr width, Expr eps) {
  Var d("d"), t("t");
  RMSNorm norm;
  norm.inv = inverseRms(x, width, eps, "rmsnorm_inv");
  norm.y = Func("rmsnorm");
  norm.y(d, t) =
      cast<float>(strict_float(f64(x(d, t)) * norm.inv(t) * f64(w(d))));
  return norm;
}

RMSNormGrad defineRMSNormGrad(Func x, Func w, Func dy, Expr width,
                              Expr tokens, Expr eps) {
  Var d("d"), t("t");
  RMSNormGrad g;
  g.inv = inverseRms(x, width, eps, "rmsnorm_grad_inv");
  RDom rd(0, width, "rd");
  g.dot = Func("rmsnorm_grad_dot");
  g.dot(t) = Expr(0.0);
  g.dot(t) =
      strict_float(g.dot(t) + f64(dy(rd, t)) * f64(w(rd)) * f64(x(rd, t)));
  Expr inv = g.inv(t);
  g.dx = Func("rmsnorm_dx");
  g.dx(d, t) = cast<float>(
      strict_float(inv * f64(dy(d, t)) * f64(w(d)) -
                   inv * inv * inv * f64(x(d, t)) * g.dot(t) / f64(width)));
  RDom rt(0, tokens, "rt");
  Func &dwSum = g.dwSum;
  dwSum = Func("rmsnorm_dw_sum");
  dwSum(d) = Expr(0.0);
  dwSum(d) = strict_float(dwSum(d) + f64(dy(d, rt)) * f64(x(d, rt)) * g.inv(rt));
  g.dw = Func("rmsnorm_dw");
  g.dw(d) = cast<float>(dwSum(d));
  return g;
}

Func defineSwiGLU(Func gate, Func up) {
  Var i("i");
  Func out("swiglu");
  Expr g = gate(i);
  out(i) = g / (1.0f + exp(-g)) * up(i);
  return out;
}

SwiGLUGrad defineSwiGLUGrad(Func gate, Func up, Func dy) {
  Var i("i");
  Expr g = gate(i);
  Expr sig = 1.0f / (1.0f + exp(-g));
  SwiGLUGrad grad;
  grad.dup = Func("swiglu_dup");
  grad.dup(i) = dy(i) * g * sig;
  grad.dgate = Func("swiglu_dgate");
  grad.dgate(i) = dy(i) * up(i) * sig * (1.0f + g * (1.0f - sig));
  return grad;
}

void scheduleRMSNormCpu(RMSNorm norm, int lanes) {
  Var d = norm.y.args()[0], t = norm.y.args()[1];
  norm.y.vectorize(d, lanes, TailStrategy::GuardWithIf).parallel(t);
  norm.inv.compute_at(norm.y, t);
}

void scheduleRMSNormGradCpu(RMSNormGrad grad, int lanes) {
  Var d = grad.dx.args()[0], t = grad.dx.args()[1];
  Var row = grad.dot.args()[0];
  grad.inv.compute_root().parallel(grad.inv.args()[0]);
  grad.dot.compute_root().parallel(row);
  grad.dot.update().parallel(row);
  grad.dx.vectorize(d, lanes, TailStrategy::GuardWithIf).parallel(t);
  // dw reduces over the tokens: columns in parallel blocks, each a
  // vector of columns accumulated down the rows.
  Var dw = grad.dw.args()[0], dwo("dwo"), dwi("dwi");
  grad.dw.split(dw, dwo, dwi, lanes, TailStrategy::GuardWithIf)
      .parallel(dwo)
      .vectorize(dwi);
  Func dwSum = grad.dwSum;
  Var column = dwSum.args()[0];
  dwSum.compute_at(grad.dw, dwo)
      .vectorize(column, lanes, TailStrategy::GuardWithIf);
  dwSum.update().vectorize(column, lanes, TailStrategy::GuardWithIf);
}

void scheduleSwiGLUCpu(Func out, int lanes) {
  Var i = out.args()[0], io("io"), ii("ii");
  out.split(i, io, ii, lanes * 64, TailStrategy::GuardWithIf)
      .vectorize(ii, lanes, TailStrategy::GuardWithIf)
      .parallel(io);
}

void scheduleSwiGLUGradCpu(SwiGLUGrad grad, int lanes) {
  scheduleSwiGLUCpu(grad.dgate, lanes);
  scheduleSwiGLUCpu(grad.dup, lanes);
}

} // namespace qtc::halide
