//===- LotaMerge.cpp - LoTA-QAF's per-step merge of ternary adapters ------===//
#include "codegen/halide/LotaMerge.h"

using namespace Halide;

namespace qtc::halide {

LotaMergePipeline defineLotaMerge(Func codes, Func zeros, Func a, Func b,
                                  Expr rank, Expr omega,
                                  const LotaMergeOptions &o) {
  LotaMergePipeline p;
  Var &n = p.n, &k = p.k, &g = p.g;
  const int maxCode = (1 << o.bits) - 1;
  p.rr = RDom(0, rank, "rr");
  // |dW| <= r, so dW is stored in i8 (require(): r <= 127).
  Func product("product");
  product(n, k) = 0;
  product(n, k) += cast<int32_t>(a(p.rr, k)) * cast<int32_t>(b(n, p.rr));
  p.delta(n, k) = cast<int8_t>(require(rank <= 127, product(n, k),
                                       "qtc: LoTA rank", rank, "exceeds 127"));
  p.product = product;

  Expr q = cast<int32_t>(cast<uint8_t>(codes(n, k)));
  Expr d = cast<double>(p.delta(n, k));
  p.step(n, k) = cast<int8_t>(select(d > omega && q != maxCode, 1,
                                     d < -omega && q != 0, -1, 0));

  // sum over the group of dW - omega What, exact in f64 in any order (every
  // term is an integer plus a multiple of the f32 omega).
  p.rk = RDom(0, o.group, "rk");
  Expr row = g * o.group + p.rk;
  p.residualSum(n, g) = cast<double>(0);
  p.residualSum(n, g) += cast<double>(p.delta(n, row)) -
                         omega * cast<double>(p.step(n, row));
  Expr mean = p.residualSum(n, g) / cast<double>(o.group);
  Expr offset = cast<float>(o.invOmega ? mean / omega : mean);

  p.codes(n, k) = cast<int8_t>(cast<uint8_t>(q + p.step(n, k)));
  p.zeros(n, g) = strict_float(
      cast<float>(cast<int32_t>(cast<uint8_t>(zeros(n, g)))) - offset);
  return p;
}

void scheduleLotaMergeCpu(LotaMergePipeline &p, int lanes) {
  // dW is needed twice (codes and offsets): computed once, as i8, row by
  // row; What is recomputed from it where used.
  p.delta.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.k);
  p.product.compute_at(p.delta, p.k)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.product.update()
      .reorder(p.n, p.rr)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.zeros.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.g);
  p.residualSum.compute_at(p.zeros, p.g)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.residualSum.update()
      .reorder(p.n, p.rk)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.codes.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.k);
}

} // namespace qtc::halide
