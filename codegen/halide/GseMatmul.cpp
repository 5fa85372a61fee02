//===- GseMatmul.cpp - The GSE x GSE matmul algorithm ---------------------===//
//
// Literal NUMERICS.md 1, matching codegen/reference/Gse.cpp bit for bit:
// - each group's partial is an exact i32 dot product of mantissas;
// - f32: term = round_f32(partial * 2^(sA + sB)), ldexp's result, computed
//   in f32 as (partial * 2^min(sA, sB)) * 2^max(sA, sB): the first product
//   is exact (|partial| < 2^24 for G <= 256 and 2^min >= 2^-128 leaves it
//   on the f32 grid, overflowing only when the true result does), so the
//   second rounds once; terms are summed in f32 in group order, as the
//   reference does;
// - wide_int: partials shifted to the smallest exponent (raised only where
//   the i64 sum could overflow) and summed in i64; ldexpf of the sum.
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/GseMatmul.h"
#include "codegen/halide/ExactPow2.h"

using namespace Halide;

namespace qtc::halide {
namespace {

/// ceil(log2(count)) for count >= 1.
Expr ceilLog2(Expr count) {
  return 32 - count_leading_zeros(max(count, 1) - 1);
}

} // namespace

GseMatmulPipeline defineGseMatmul(Func aMantissas, Func aExponents,
                                  Func bMantissas, Func bExponents, Expr K,
                                  const GseMatmulOptions &o) {
  GseMatmulPipeline p;
  Var &k = p.k, &m = p.m, &n = p.n, &g = p.g, &kk = p.kk, &ko = p.ko;
  const int G = o.group;
  Expr groups = K / G;

  // Logical A (k, m) and B^T (k, n) from the stored layouts.
  Expr a = o.transposeA ? aMantissas(m, k) : aMantissas(k, m);
  Expr aExp = o.transposeA ? aExponents(m, g) : aExponents(g, m);
  auto bt_at = [&](Expr kIndex) {
    return o.transposeB ? bMantissas(kIndex, n) : bMantissas(n, kIndex);
  };
  Expr btExp = o.transposeB ? bExponents(g, n) : bExponents(n, g);

  p.lhs(k, m) = a;
  if (o.prepackedRhs)
    p.rhs(kk, n, ko) = bMantissas(kk, n, ko);
  else if (o.unsignedRhs)
    p.rhs(kk, n, ko) = cast<uint8_t>(cast<int16_t>(bt_at(ko * 4 + kk)) + 128);
  else
    p.rhs(kk, n, ko) = bt_at(ko * 4 + kk);

  p.rk = RDom(0, G, "rk");
  RDom &rk = p.rk;
  Expr kIndex = g * G + rk;
  // With the unsigned offset, each partial starts at -128 * (A's group sum),
  // which cancels the offset exactly.
  if (o.unsignedRhs) {
    p.lhsGroupSums(g, m) = cast<int32_t>(0);
    p.lhsGroupSums(g, m) += 128 * cast<int32_t>(p.lhs(g * G + rk, m));
    p.partial(n, m, g) = -p.lhsGroupSums(g, m);
  } else {
    p.partial(n, m, g) = cast<int32_t>(0);
  }
  p.partial(n, m, g) += cast<int32_t>(p.lhs(kIndex, m)) *
                        cast<int32_t>(p.rhs(kIndex % 4, n, kIndex / 4));
  Expr partial = p.partial(n, m, g);
  Func aExpF("a_exp"), bExpF("b_exp");
  aExpF(g, m) = cast<int32_t>(aExp);
  bExpF(g, n) = cast<int32_t>(btExp);
  p.bExponent = bExpF;
  p.exponent(n, m, g) = aExpF(g, m) + bExpF(g, n);
  p.groupPartial(n, m, g) = partial;

  p.rg = RDom(0, groups, "rg");
  RDom &rg = p.rg;
  if (!o.wideInt) {
    p.aScale(g, m) = pow2f32(aExpF(g, m));
    p.bScale(g, n) = pow2f32(bExpF(g, n));
    Expr smaller = min(p.aScale(g, m), p.bScale(g, n));
    Expr larger = max(p.aScale(g, m), p.bScale(g, n));
    // strict_float: a contraction of the last product into the sum (an FMA)
    // would skip the rounding of subnormal terms that the reference does.
    if (o.termViaF64)
      p.term(n, m, g) = cast<float>(cast<double>(p.groupPartial(n, m, g)) *
                                    pow2f64(p.exponent(n, m, g)));
    else
      p.term(n, m, g) = strict_float(
          (cast<float>(p.groupPartial(n, m, g)) * smaller) * larger);
    p.sum(n, m) = 0.0f;
    p.sum(n, m) = strict_float(p.sum(n, m) + p.term(n, m, rg));
    p.output(n, m) = o.outputScale.defined()
                         ? strict_float(p.sum(n, m) * o.outputScale)
                         : Expr(p.sum(n, m));
    return p;
  }
  // wide_int: common exponent = max(min_g e, max_g e - (31 - ceil(log2
  // groups))), then each partial shifted to it (left exactly, right by a
  // floor shift) and summed in i64.
  // The extremes are explicit reductions so that schedules can vectorize
  // them; seeded inside the range of a sum of two 8-bit exponents, and the
  // clamp keeps Halide's bounds arithmetic from overflowing.
  Expr headroom = 31 - ceilLog2(groups);
  p.exponentRange(n, m) = {cast<int32_t>(512), cast<int32_t>(-512)};
  p.exponentRange(n, m) = {min(p.exponentRange(n, m)[0], p.exponent(n, m, rg)),
                           max(p.exponentRange(n, m)[1], p.exponent(n, m, rg))};
  p.common(n, m) =
      clamp(max(p.exponentRange(n, m)[0], p.exponentRange(n, m)[1] - headroom),
            -512, 512);
  Expr shift = p.exponent(n, m, g) - p.common(n, m);
  Expr wide = cast<int64_t>(p.groupPartial(n, m, g));
  // shift <= 31 - ceil(log2 groups) by the choice of common; the clamp
  // tells Halide's bounds inference so (a shift it cannot bound overflows
  // its constant folding).
  p.term(n, m, g) =
      select(shift >= 0, wide << cast<uint64_t>(clamp(shift, 0, 31)),
             shift > -63, wide >> cast<uint64_t>(min(-shift, 63)),
             select(wide < 0, cast<int64_t>(-1), cast<int64_t>(0)));
  p.sum(n, m) = cast<int64_t>(0);
  p.sum(n, m) += p.term(n, m, rg);
  // ldexpf((float)sum, common): the i64 -> f32 conversion rounds once; the
  // scaling is exact in f64 and the final cast rounds exactly as ldexpf does
  // where the result is subnormal.
  Expr c = cast<float>(cast<double>(cast<float>(p.sum(n, m))) *
                       pow2f64(p.common(n, m)));
  p.output(n, m) =
      o.outputScale.defined() ? strict_float(c * o.outputScale) : c;
  return p;
}

Func packGseRhs(Func bMantissas, Expr cols, bool transposeB, bool unsignedRhs) {
  Var kk("kk"), n("n"), ko("ko");
  Expr k = ko * 4 + kk;
  Expr inside = n < cols;
  Expr value = transposeB ? bMantissas(k, min(n, cols - 1))
                          : bMantissas(min(n, cols - 1), k);
  Func packed("packed_rhs");
  if (unsignedRhs)
    packed(kk, n, ko) =
        cast<uint8_t>(select(inside, cast<int16_t>(value), 0) + 128);
  else
    packed(kk, n, ko) = select(inside, value, cast<int8_t>(0));
  return packed;
}

GseGemvPipeline defineGseGemv(Func aMantissas, Func aExponents, Func bMantissas,
                              Func bExponents, Expr K, int group,
                              bool unsignedRhs) {
  GseGemvPipeline p;
  Var &n = p.n, &m = p.m, &q = p.q;
  p.r4 = RDom(0, 4, "r4");
  Expr k = 4 * q + p.r4;
  Expr b = unsignedRhs ? cast<uint8_t>(cast<int16_t>(bMantissas(k, n)) + 128)
                       : bMantissas(k, n);
  if (unsignedRhs) {
    p.lhsChunkSums(m, q) = 0;
    p.lhsChunkSums(m, q) += 128 * cast<int32_t>(aMantissas(4 * q + p.r4, m));
    p.chunk(n, m, q) = -p.lhsChunkSums(m, q);
  } else {
    p.chunk(n, m, q) = 0;
  }
  p.chunk(n, m, q) += cast<int32_t>(aMantissas(k, m)) * cast<int32_t>(b);
  Expr g = q * 4 / group;
  Expr e = cast<int32_t>(aExponents(g, m)) + cast<int32_t>(bExponents(g, n));
  // |chunk| < 2^17: exact in f32; the f64 scaling is exact, one rounding.
  Expr term = cast<float>(cast<double>(p.chunk(n, m, q)) * pow2f64(e));
  p.rq = RDom(0, K / 4, "rq");
  p.output(n, m) = 0.0f;
  Func terms("terms");
  terms(n, m, q) = term;
  p.output(n, m) += terms(n, m, p.rq);
  return p;
}

void scheduleGseGemvCpu(GseGemvPipeline &p, int lanes) {
  // Lanes over 4-element chunks of K (rfactor), so each vpdpbusd reads 64
  // contiguous bytes of a row of B; rows of B (outputs n) in parallel.
  Var no("no"), ni("ni");
  RVar rqo("rqo"), rqi("rqi");
  p.output.compute_root();
  Func lanesSum = p.output.update()
                      .split(p.rq, rqo, rqi, lanes, TailStrategy::GuardWithIf)
                      .rfactor(rqi, p.u);
  p.output.update()
      .split(p.n, no, ni, 16, TailStrategy::GuardWithIf)
      .parallel(no);
  lanesSum.compute_at(p.output, ni).vectorize(p.u);
  lanesSum.update().vectorize(p.u);
  p.chunk.compute_at(lanesSum, rqo)
      .vectorize(p.q, lanes, TailStrategy::GuardWithIf);
  p.chunk.update().atomic().vectorize(p.r4).vectorize(
      p.q, lanes, TailStrategy::GuardWithIf);
  // Stored q-major so each step reads its 16 corrections as one vector.
  if (p.lhsChunkSums.defined())
    p.lhsChunkSums.compute_root().reorder_storage(p.q, p.m);
}

} // namespace qtc::halide
