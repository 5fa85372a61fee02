//===- AffineMatmul.cpp - x times an affine-int weight, dequantized on load ===//
#include "codegen/halide/AffineMatmul.h"

using namespace Halide;

namespace qtc::halide {

AffineMatmulPipeline defineAffineMatmul(Func x, Func codes, Func scales,
                                        Func zeros, Func weak, Expr K,
                                        Expr weakRows,
                                        const AffineMatmulOptions &o) {
  AffineMatmulPipeline p;
  Var &n = p.n, &m = p.m, &k = p.k;
  // Dequantized exactly as codegen/reference/Affine.cpp does, element by
  // element: w = s * (q - z), with q - z exact for integer zeros.
  Expr q = cast<int32_t>(cast<uint8_t>(codes(n, k)));
  Expr s = scales(n, k / o.group);
  switch (o.zero) {
  case AffineZero::Int:
    p.weight(n, k) = s * cast<float>(q - cast<int32_t>(cast<uint8_t>(zeros(n, k / o.group))));
    break;
  case AffineZero::Float:
    p.weight(n, k) = s * (cast<float>(q) - zeros(n, k / o.group));
    break;
  case AffineZero::Scaled:
    p.weight(n, k) = cast<float>(q) * s + zeros(n, k / o.group);
    break;
  }
  p.rk = RDom(0, K, "rk");
  p.product(n, m) = 0.0f;
  p.product(n, m) += x(p.rk, m) * p.weight(n, p.rk);
  if (o.weakRows) {
    p.rw = RDom(0, weakRows, "rw");
    p.product(n, m) += x(K - weakRows + p.rw, m) * cast<float>(weak(n, p.rw));
  }
  p.output(n, m) = p.product(n, m);
  return p;
}

void scheduleAffineMatmulGemv(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes) {
  // Each task owns a chunk of columns whose sums stay in L1. K is walked in
  // blocks of 64 rows; within a block, each panel of 4 vectors of columns
  // accumulates in registers. So the codes are streamed once, and the rows a
  // block touches (64 pages at most) stay in the TLB for all its panels.
  Var no("no"), ni("ni"), np("np"), nv("nv");
  RVar rko("rko"), rki("rki");
  const int panel = 4 * lanes, chunk = 8 * panel;
  // ShiftInwards: the last chunk overlaps its neighbour instead of reading
  // past N; narrower outputs take one panel per task.
  Expr N = p.output.output_buffer().dim(0).extent();
  p.output.compute_root();
  p.output.specialize(N >= chunk)
      .split(p.n, no, ni, chunk, TailStrategy::ShiftInwards)
      .vectorize(ni, lanes)
      .parallel(no);
  p.output.split(p.n, no, ni, panel, TailStrategy::RoundUp)
      .vectorize(ni, lanes)
      .parallel(no);
  p.product.compute_at(p.output, no)
      .vectorize(p.n, lanes, TailStrategy::RoundUp);
  p.product.update(0)
      .split(p.rk, rko, rki, 64, TailStrategy::GuardWithIf)
      .split(p.n, np, nv, panel, TailStrategy::RoundUp)
      .reorder(nv, rki, p.m, np, rko)
      .vectorize(nv, lanes)
      .unroll(nv);
  if (o.weakRows)
    p.product.update(1)
        .split(p.n, np, nv, panel, TailStrategy::RoundUp)
        .reorder(nv, p.rw, p.m, np)
        .vectorize(nv, lanes)
        .unroll(nv);
}

void scheduleAffineMatmulGemm(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes) {
  // A panel of 2 vectors of columns is dequantized over all of K into
  // cache, then register tiles of 8 rows x the panel accumulate with FMAs.
  Var no("no"), ni("ni"), mo("mo"), mi("mi");
  const int panel = 2 * lanes, rows = 8;
  p.output.compute_root()
      .split(p.n, no, ni, panel, TailStrategy::RoundUp)
      .split(p.m, mo, mi, rows, TailStrategy::GuardWithIf)
      .reorder(ni, mi, mo, no)
      .vectorize(ni, lanes)
      .unroll(mi)
      .parallel(no);
  p.weight.compute_at(p.output, no)
      .vectorize(p.n, lanes, TailStrategy::RoundUp);
  p.product.compute_at(p.output, mo)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .unroll(p.m);
  p.product.update(0)
      .reorder(p.n, p.m, p.rk)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .unroll(p.n)
      .unroll(p.m);
  if (o.weakRows)
    p.product.update(1)
        .reorder(p.n, p.m, p.rw)
        .vectorize(p.n, lanes, TailStrategy::RoundUp)
        .unroll(p.n)
        .unroll(p.m);
}

} // namespace qtc::halide
