//===- GseQuantize.cpp - The GSE quantize algorithm -----------------------===//
#include "codegen/halide/GseQuantize.h"
#include "codegen/halide/ExactPow2.h"
#include "codegen/reference/Nf4.h"

#include <cfloat>

using namespace Halide;

namespace qtc::halide {
namespace {

/// Chris Wellons' lowbias32, as in codegen/reference/StochasticRounding.h.
Expr mix32(Expr x) {
  x = x ^ (x >> 16);
  x = x * Internal::make_const(UInt(32), 0x7feb352dU);
  x = x ^ (x >> 15);
  x = x * Internal::make_const(UInt(32), 0x846ca68bU);
  return x ^ (x >> 16);
}

Expr stochasticBits(Expr seed, Expr index) {
  Expr lo = cast<uint32_t>(seed), hi = cast<uint32_t>(seed >> 32);
  Expr key1 = mix32(lo ^ Internal::make_const(UInt(32), 0x9E3779B9U));
  Expr key2 = mix32(hi ^ Internal::make_const(UInt(32), 0x85EBCA6BU) ^ key1);
  return mix32(mix32(cast<uint32_t>(index) ^ key1) + key2);
}

/// floor(log2(a)) of a finite positive f32, exact (subnormals included).
Expr floorLog2(Expr a) {
  Expr bits = reinterpret<uint32_t>(a);
  Expr biased = cast<int32_t>(bits >> 23);
  Expr fraction = bits & Internal::make_const(UInt(32), 0x7fffff);
  return select(biased > 0, biased - 127,
                31 - cast<int32_t>(count_leading_zeros(fraction)) - 149);
}

} // namespace

GseQuantizePipeline defineGseQuantize(Func x, Expr cols, Expr seed,
                                      const GseQuantizeOptions &o, Expr rows) {
  GseQuantizePipeline p;
  Var &c = p.c, &r = p.r, &g = p.g;
  const int G = o.group;
  const int maxMantissa = (1 << (o.bits - 1)) - 1;
  const int minExp = -(1 << (o.expBits - 1)),
            maxExp = (1 << (o.expBits - 1)) - 1;

  Func checked("checked");
  if (o.hostCheck) {
    RDom all(0, cols, 0, rows, "all");
    p.nonFinite() = 0;
    p.nonFinite() += select(is_finite(x(all.x, all.y)), 0, 1);
    p.guard() =
        require(p.nonFinite() == 0, 0,
                "qtc: non-finite values reach a GSE quantize:", p.nonFinite());
    checked(c, r) = x(c, r);
  } else {
    checked(c, r) = require(
        is_finite(x(c, r)), x(c, r),
        "qtc: non-finite value reaches a GSE quantize at column", c, "row", r);
  }
  RDom rk(0, G, "rk");
  // Groups along cols (axis 1) are indexed (g, r); along rows (axis 0), (c, g).
  if (o.axis == 1)
    p.amax(g, r) = maximum(abs(checked(g * G + rk, r)));
  else
    p.amax(c, g) = maximum(abs(checked(c, g * G + rk)));
  auto groupExponent = [&](Expr amax) {
    Expr s = floorLog2(amax) - (o.bits - 2);
    if (o.ceilRule)
      s = select(cast<double>(maxMantissa) * pow2f64(s) < cast<double>(amax),
                 s + 1, s);
    return select(amax == 0.0f, minExp, clamp(s, minExp, maxExp));
  };
  if (o.axis == 1)
    p.exponent(g, r) = groupExponent(p.amax(g, r));
  else
    p.exponent(c, g) = groupExponent(p.amax(c, g));

  Expr s = o.axis == 1 ? p.exponent(c / G, r) : p.exponent(c, r / G);
  Expr v = cast<double>(x(c, r)) * pow2f64(-s); // exact
  Expr m;
  switch (o.rounding) {
  case GseRounding::RNE:
    m = round(v); // Halide rounds half to even
    break;
  case GseRounding::RNA: {
    Expr half = Expr(0.5);
    m = select(v < 0, -floor(-v + half), floor(v + half));
    break;
  }
  case GseRounding::Stochastic: {
    Expr whole = floor(v);
    Expr two24 = Expr(16777216.0);
    Expr scaledFraction = (v - whole) * two24;
    Expr index = cast<uint64_t>(r) * cast<uint64_t>(cols) + cast<uint64_t>(c);
    Expr k = cast<double>(stochasticBits(seed, index) >> 8);
    m = whole + select(scaledFraction >= two24 - k, Expr(1.0), Expr(0.0));
    break;
  }
  }
  // With the host check, both outputs read the guard, so it runs (and fails
  // on non-finite input) before any kernel writes them.
  Expr guard = o.hostCheck ? p.guard() : Expr(0);
  // Saturate at FLT_MAX as well (NUMERICS.md 1, overflow): under the ceil
  // rule s reaches 127, where a mantissa of 2 would dequantize to inf.
  Expr limit = min(Expr(double(maxMantissa)),
                   floor(Expr(double(FLT_MAX)) * pow2f64(-s)));
  p.mantissas(c, r) = cast<int8_t>(clamp(m, -limit, limit) + guard);
  p.exponents(c, r) = cast<int8_t>(p.exponent(c, r) + guard);
  return p;
}

Func nf4Values(Func codes, Func absmax, Expr cols, int block) {
  // NUMERICS.md 2's code book, the reference's own table.
  std::vector<Expr> book(std::begin(ref::kNf4Codes), std::end(ref::kNf4Codes));
  Var c("c"), r("r");
  Func values("nf4_values");
  Expr i = r * cols + c;
  Expr byte = cast<uint8_t>(codes(i / 2));
  Expr index = select(i % 2 == 1, byte >> 4, byte & 15);
  values(c, r) = mux(index, book) * absmax(i / block);
  return values;
}

Func gseValues(Func mantissas, Func exponents, int axis, int group) {
  Var c("c"), r("r");
  Func values("gse_values");
  Expr e = axis == 1 ? exponents(c / group, r) : exponents(c, r / group);
  values(c, r) = cast<float>(mantissas(c, r)) * pow2f32(cast<int32_t>(e));
  return values;
}

void scheduleGseQuantizeCpu(GseQuantizePipeline &p, const GseQuantizeOptions &o,
                            int lanes) {
  // Two passes over x: the group exponents (numel / G of them), then the
  // mantissas, each vectorized along the contiguous axis.
  Var groupAxis = o.axis == 1 ? p.g : p.c;
  Var otherAxis = o.axis == 1 ? p.r : p.g;
  p.exponent.compute_root()
      .vectorize(groupAxis, lanes, TailStrategy::GuardWithIf)
      .parallel(otherAxis);
  p.mantissas.compute_root()
      .vectorize(p.c, lanes, TailStrategy::GuardWithIf)
      .parallel(p.r);
  p.exponents.compute_root();
}

void scheduleGseQuantizeCuda(GseQuantizePipeline &p,
                             const GseQuantizeOptions &o) {
  Var cb("cb"), rb("rb"), ct("ct"), rt("rt");
  // The non-finite count on the host, from the input before it goes to the
  // GPU; the kernels read only its (zero) guard.
  if (o.hostCheck) {
    p.nonFinite.compute_root();
    p.guard.compute_root();
  }
  if (o.axis == 1)
    p.exponent.compute_root().gpu_tile(p.g, p.r, cb, rb, ct, rt, 16, 16);
  else
    p.exponent.compute_root().gpu_tile(p.c, p.g, cb, rb, ct, rt, 16, 16);
  p.mantissas.compute_root().gpu_tile(p.c, p.r, cb, rb, ct, rt, 32, 8);
  p.exponents.compute_root().gpu_tile(p.c, p.r, cb, rb, ct, rt, 16, 16);
}

} // namespace qtc::halide
