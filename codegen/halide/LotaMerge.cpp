//===- LotaMerge.cpp - LoTA-QAF's per-step merge of ternary adapters ------===//
#include "codegen/halide/LotaMerge.h"

using namespace Halide;

namespace qtc::halide {

namespace {

/// What for one element: +1 past omega, -1 below -omega, where the code
/// has room (NUMERICS.md 4).
Expr maskedStep(Expr d, Expr q, Expr omega, int maxCode) {
  return cast<int8_t>(
      select(d > omega && q != maxCode, 1, d < -omega && q != 0, -1, 0));
}

/// U from a group's sum of dW - omega What (exact in f64).
Expr offsetOf(Expr residualSum, Expr omega, int group, bool invOmega) {
  Expr mean = residualSum / cast<double>(group);
  return cast<float>(invOmega ? mean / omega : mean);
}

Expr mergedZero(Expr zero, Expr offset) {
  return strict_float(cast<float>(cast<int32_t>(cast<uint8_t>(zero))) - offset);
}

} // namespace

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
  p.step(n, k) = maskedStep(d, q, omega, maxCode);

  // sum over the group of dW - omega What, exact in f64 in any order (every
  // term is an integer plus a multiple of the f32 omega).
  p.rk = RDom(0, o.group, "rk");
  Expr row = g * o.group + p.rk;
  p.residualSum(n, g) = cast<double>(0);
  p.residualSum(n, g) +=
      cast<double>(p.delta(n, row)) - omega * cast<double>(p.step(n, row));
  Expr offset = offsetOf(p.residualSum(n, g), omega, o.group, o.invOmega);

  p.codes(n, k) = cast<int8_t>(cast<uint8_t>(q + p.step(n, k)));
  p.zeros(n, g) = mergedZero(zeros(n, g), offset);
  return p;
}

Func defineTernaryProduct(Func a, Func b, Expr rank) {
  Var n("n"), k("k");
  RDom rr(0, rank, "rr");
  Func product("ternary_product");
  product(n, k) = 0;
  product(n, k) += cast<int32_t>(a(rr, k)) * cast<int32_t>(b(n, rr));
  return product;
}

Func defineMaskedThreshold(Func delta, Func codes, Expr omega, int bits) {
  Var n("n"), k("k");
  Func step("masked_threshold");
  step(n, k) = maskedStep(cast<double>(delta(n, k)),
                          cast<int32_t>(cast<uint8_t>(codes(n, k))), omega,
                          (1 << bits) - 1);
  return step;
}

LotaOffsetPipeline defineLotaOffset(Func delta, Func step, Expr omega,
                                    int group, bool invOmega) {
  LotaOffsetPipeline p;
  Var n("n"), g("g");
  RDom rk(0, group, "rk");
  Expr row = g * group + rk;
  p.sum(n, g) = cast<double>(0);
  p.sum(n, g) +=
      cast<double>(delta(n, row)) - omega * cast<double>(step(n, row));
  p.offset(n, g) = offsetOf(p.sum(n, g), omega, group, invOmega);
  return p;
}

std::pair<Func, Func> defineLotaApply(Func codes, Func zeros, Func step,
                                      Func offset) {
  Var n("n"), k("k"), g("g");
  Func mergedCodes("merged_codes"), mergedZeros("merged_zeros");
  mergedCodes(n, k) = cast<int8_t>(
      cast<uint8_t>(cast<int32_t>(cast<uint8_t>(codes(n, k))) + step(n, k)));
  mergedZeros(n, g) = mergedZero(zeros(n, g), offset(n, g));
  return {mergedCodes, mergedZeros};
}

void scheduleLotaMergeCpu(LotaMergePipeline &p, int lanes) {
  // dW is needed twice (codes and offsets): computed once, as i8, row by
  // row; What is recomputed from it where used.
  p.delta.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.k);
  p.product.compute_at(p.delta, p.k)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.product.update().reorder(p.n, p.rr).vectorize(p.n, lanes,
                                                  TailStrategy::GuardWithIf);
  p.zeros.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.g);
  p.residualSum.compute_at(p.zeros, p.g)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.residualSum.update().reorder(p.n, p.rk).vectorize(
      p.n, lanes, TailStrategy::GuardWithIf);
  p.codes.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.k);
}

void scheduleLotaStageCpu(Func out, int lanes) {
  Var x = out.args()[0], y = out.args()[1];
  out.compute_root().vectorize(x, lanes, TailStrategy::GuardWithIf).parallel(y);
  if (out.has_update_definition()) {
    RVar r(out.update().get_schedule().rvars()[0].var);
    out.update()
        .reorder(x, r)
        .vectorize(x, lanes, TailStrategy::GuardWithIf)
        .parallel(y);
  }
}

void scheduleLotaOffsetCpu(LotaOffsetPipeline &p, int lanes) {
  Var y = p.offset.args()[1];
  scheduleLotaStageCpu(p.offset, lanes);
  p.sum.compute_at(p.offset, y)
      .vectorize(p.sum.args()[0], lanes, TailStrategy::GuardWithIf);
  RVar r(p.sum.update().get_schedule().rvars()[0].var);
  p.sum.update()
      .reorder(p.sum.args()[0], r)
      .vectorize(p.sum.args()[0], lanes, TailStrategy::GuardWithIf);
}

} // namespace qtc::halide
