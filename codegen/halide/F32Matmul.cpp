//===- F32Matmul.cpp - Plain f32 matmul and LoTA's dW gradient ------------===//
#include "codegen/halide/F32Matmul.h"

using namespace Halide;

namespace qtc::halide {

F32MatmulPipeline defineF32Matmul(Func a, Func b, Expr K, bool transposeA,
                                  bool transposeB) {
  F32MatmulPipeline p;
  Var &n = p.n, &m = p.m;
  p.rk = RDom(0, K, "rk");
  Expr lhs = transposeA ? a(m, p.rk) : a(p.rk, m);
  Expr rhs = transposeB ? b(p.rk, n) : b(n, p.rk);
  p.product(n, m) = 0.0f;
  p.product(n, m) += lhs * rhs;
  p.output(n, m) = p.product(n, m);
  return p;
}

void addLotaDeltaGrad(F32MatmulPipeline &p, Func scales, int group,
                      Expr offsetScale) {
  Var &n = p.n, &m = p.m, &g = p.g;
  // Rows m of Gw are input features; S Gw, its group means in f64 (the
  // reference's order of rounding), and the sum.
  Func scaled("scaled_gw");
  scaled(n, m) = scales(n, m / group) * p.product(n, m);
  p.rg = RDom(0, group, "rg");
  p.groupMean(n, g) = cast<double>(0);
  p.groupMean(n, g) += cast<double>(scaled(n, g * group + p.rg));
  Expr correction = offsetScale * p.groupMean(n, m / group) / cast<double>(group);
  p.output(n, m) = strict_float(scaled(n, m) + cast<float>(correction));
}

void scheduleF32MatmulCpu(F32MatmulPipeline &p, int lanes, bool lotaDeltaGrad) {
  Var no("no"), ni("ni"), mo("mo"), mi("mi");
  const int panel = 2 * lanes, rows = 8;
  p.output.compute_root()
      .split(p.n, no, ni, panel, TailStrategy::RoundUp)
      .split(p.m, mo, mi, rows, TailStrategy::GuardWithIf)
      .reorder(ni, mi, mo, no)
      .vectorize(ni, lanes)
      .parallel(no);
  // With the dDW epilogue, Gw is needed by the group means too: computed
  // once, at the root.
  if (lotaDeltaGrad) {
    p.product.compute_root()
        .split(p.n, no, ni, panel, TailStrategy::RoundUp)
        .split(p.m, mo, mi, rows, TailStrategy::GuardWithIf)
        .reorder(ni, mi, mo, no)
        .vectorize(ni, lanes)
        .parallel(no);
    p.product.update()
        .split(p.n, no, ni, panel, TailStrategy::RoundUp)
        .split(p.m, mo, mi, rows, TailStrategy::GuardWithIf)
        .reorder(ni, mi, p.rk, mo, no)
        .vectorize(ni, lanes)
        .unroll(mi)
        .parallel(no);
    p.groupMean.compute_root().vectorize(p.n, lanes, TailStrategy::RoundUp).parallel(p.g);
    p.groupMean.update().reorder(p.n, p.rg).vectorize(p.n, lanes, TailStrategy::RoundUp).parallel(p.g);
    return;
  }
  p.product.compute_at(p.output, mo)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .unroll(p.m);
  p.product.update()
      .reorder(p.n, p.m, p.rk)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .unroll(p.n)
      .unroll(p.m);
}

} // namespace qtc::halide
