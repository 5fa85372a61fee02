//===- F32Matmul.cpp - Plain f32 matmul and LoTA's dW gradient ------------===//
#include "codegen/halide/F32Matmul.h"
#include "codegen/halide/FmaTiles.h"

using namespace Halide;

namespace qtc::halide {

F32MatmulPipeline defineF32Matmul(Func a, Func b, Expr K, bool transposeA,
                                  bool transposeB, Expr outputScale,
                                  Func addend) {
  F32MatmulPipeline p;
  Var &n = p.n, &m = p.m;
  p.rk = RDom(0, K, "rk");
  Expr lhs = transposeA ? a(m, p.rk) : a(p.rk, m);
  if (transposeB) {
    Var k("k");
    p.bPanel(n, k) = b(k, n);
  }
  Expr rhs = transposeB ? p.bPanel(n, p.rk) : b(n, p.rk);
  p.product(n, m) = 0.0f;
  p.product(n, m) += lhs * rhs;
  // strict_float: the product is rounded to f32 before the scale, as the
  // separate ops round it.
  Expr c = outputScale.defined() ? strict_float(p.product(n, m) * outputScale)
                                 : Expr(p.product(n, m));
  p.output(n, m) = addend.defined() ? strict_float(addend(n, m) + c) : c;
  return p;
}

void addLotaDeltaGrad(F32MatmulPipeline &p, Func scales, int group,
                      Expr offsetScale) {
  Var &n = p.n, &m = p.m, &g = p.g;
  // Rows m of Gw are input features; S Gw, its group means in f64 (the
  // reference's order of rounding), and the sum.
  p.gw(n, m) = p.product(n, m);
  Func scaled("scaled_gw");
  scaled(n, m) = scales(n, m / group) * p.gw(n, m);
  p.rg = RDom(0, group, "rg");
  p.groupMean(n, g) = cast<double>(0);
  p.groupMean(n, g) += cast<double>(scaled(n, g * group + p.rg));
  Expr correction =
      offsetScale * p.groupMean(n, m / group) / cast<double>(group);
  // dDW replaces C as the output (a new Func: C's definition reads the
  // product directly).
  Func dDW("ddw");
  dDW(n, m) = strict_float(scaled(n, m) + cast<float>(correction));
  p.output = dDW;
}

void scheduleF32MatmulCpu(F32MatmulPipeline &p, int lanes, bool lotaDeltaGrad) {
  if (!lotaDeltaGrad) {
    LoopLevel panel =
        scheduleFmaTiles(p.output, p.product, p.n, p.m, {p.rk}, lanes,
                         p.output.output_buffer().dim(0).extent());
    // B's panel transposed once per panel, for all of its rows of C.
    if (p.bPanel.defined())
      p.bPanel.compute_at(panel).vectorize(p.n, lanes, TailStrategy::RoundUp);
    return;
  }
  // With the dDW epilogue, Gw is read by the group means too: stored once
  // at the root from register tiles (a root product updated in memory ran
  // at a seventh of the FMA rate); the epilogue is elementwise.
  // (Gw is as wide as dDW, the pipeline's output.)
  scheduleFmaTiles(p.gw, p.product, p.n, p.m, {p.rk}, lanes,
                   p.output.output_buffer().dim(0).extent());
  scheduleF32MatmulEpilogueCpu(p, lanes);
}

void scheduleF32MatmulEpilogueCpu(F32MatmulPipeline &p, int lanes) {
  // The output is written only within N (guarded where N is not a multiple
  // of the vector); the intermediates are computed whole vectors wide.
  p.output.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.m);
  p.groupMean.compute_root()
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .parallel(p.g);
  p.groupMean.update()
      .reorder(p.n, p.rg)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .parallel(p.g);
}

} // namespace qtc::halide
