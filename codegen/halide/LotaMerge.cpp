//===- LotaMerge.cpp - LoTA-QAF's per-step merge of ternary adapters ------===//
#include "codegen/halide/LotaMerge.h"

#include <tuple>

using namespace Halide;

namespace qtc::halide {

namespace {

/// The reduction variable of `f`'s update (each stage has one RDom).
RVar firstReduction(Func f) {
  return RVar(f.update().get_schedule().rvars()[0].var);
}

} // namespace

LotaMergePipeline defineLotaMerge(Func codes, Func zeros, Func scales, Func a,
                                  Func b,
                                  Expr rank, Expr omega,
                                  const LotaMergeOptions &o) {
  // The stages below, composed into one pipeline: the per-op kernels and
  // this one compute the same expressions.
  LotaMergePipeline p;
  p.product = defineTernaryProduct(a, b, rank);
  // |dW| <= r, so dW is stored in i8 (require(): r <= 127).
  p.delta(p.n, p.k) = cast<int8_t>(require(
      rank <= 127, p.product(p.n, p.k), "qtc: LoTA rank", rank, "exceeds 127"));
  p.step = defineMaskedThreshold(p.delta, codes, omega, o.bits);
  LotaOffsetPipeline offset =
      defineLotaOffset(p.delta, p.step, omega, o.group, o.invOmega);
  p.residualSum = offset.sum;
  std::tie(p.codes, p.zeros) =
      defineLotaApply(codes, zeros, scales, p.step, offset.offset, o.zero);
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
  // +1 past omega, -1 below -omega, where the code has room (NUMERICS.md 4).
  Expr d = cast<double>(delta(n, k));
  Expr q = cast<int32_t>(cast<uint8_t>(codes(n, k)));
  const int maxCode = (1 << bits) - 1;
  step(n, k) = cast<int8_t>(
      select(d > omega && q != maxCode, 1, d < -omega && q != 0, -1, 0));
  return step;
}

LotaOffsetPipeline defineLotaOffset(Func delta, Func step, Expr omega,
                                    int group, bool invOmega) {
  LotaOffsetPipeline p;
  Var n("n"), g("g");
  RDom rk(0, group, "rk");
  Expr row = g * group + rk;
  // The sum of dW - omega What over the group, exact in f64 in any order
  // (every term is an integer plus a multiple of the f32 omega).
  p.sum(n, g) = cast<double>(0);
  p.sum(n, g) +=
      cast<double>(delta(n, row)) - omega * cast<double>(step(n, row));
  Expr mean = p.sum(n, g) / cast<double>(group);
  p.offset(n, g) = cast<float>(invOmega ? mean / omega : mean);
  return p;
}

std::pair<Func, Func> defineLotaApply(Func codes, Func zeros, Func scales,
                                      Func step, Func offset,
                                      AffineZero zero) {
  Var n("n"), k("k"), g("g");
  Func mergedCodes("merged_codes"), mergedZeros("merged_zeros");
  mergedCodes(n, k) = cast<int8_t>(
      cast<uint8_t>(cast<int32_t>(cast<uint8_t>(codes(n, k))) + step(n, k)));
  switch (zero) {
  case AffineZero::Int:
    mergedZeros(n, g) = strict_float(
        cast<float>(cast<int32_t>(cast<uint8_t>(zeros(n, g)))) - offset(n, g));
    break;
  case AffineZero::Float:
    mergedZeros(n, g) = strict_float(zeros(n, g) - offset(n, g));
    break;
  case AffineZero::Scaled:
    // w = s (q + What + U) + zs, rounded as the reference: s U, then + zs.
    mergedZeros(n, g) = strict_float(zeros(n, g) + scales(n, g) * offset(n, g));
    break;
  }
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
  p.product.update()
      .reorder(p.n, firstReduction(p.product))
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.zeros.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.g);
  p.residualSum.compute_at(p.zeros, p.g)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.residualSum.update()
      .reorder(p.n, firstReduction(p.residualSum))
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf);
  p.codes.compute_root()
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .parallel(p.k);
}

void scheduleLotaStageCpu(Func out, int lanes) {
  Var x = out.args()[0], y = out.args()[1];
  out.compute_root().vectorize(x, lanes, TailStrategy::GuardWithIf).parallel(y);
  if (out.has_update_definition()) {
    out.update()
        .reorder(x, firstReduction(out))
        .vectorize(x, lanes, TailStrategy::GuardWithIf)
        .parallel(y);
  }
}

void scheduleLotaOffsetCpu(LotaOffsetPipeline &p, int lanes) {
  Var y = p.offset.args()[1];
  scheduleLotaStageCpu(p.offset, lanes);
  p.sum.compute_at(p.offset, y)
      .vectorize(p.sum.args()[0], lanes, TailStrategy::GuardWithIf);
  p.sum.update()
      .reorder(p.sum.args()[0], firstReduction(p.sum))
      .vectorize(p.sum.args()[0], lanes, TailStrategy::GuardWithIf);
}

} // namespace qtc::halide
