//===- AffineMatmul.cpp - x times an affine-int weight, dequantized on load
//===//
#include "codegen/halide/AffineMatmul.h"
#include "codegen/halide/FmaTiles.h"

using namespace Halide;

namespace qtc::halide {

namespace {

/// The weight (n, k) dequantized exactly as codegen/reference/Affine.cpp does,
/// element by element: w = s * (q - z), with q - z exact for integer zeros.
void defineWeight(AffineMatmulPipeline &p, Func codes, Func scales, Func zeros,
                  const AffineMatmulOptions &o) {
  Var &n = p.n, &k = p.k;
  Expr q = cast<int32_t>(cast<uint8_t>(codes(n, k)));
  Expr s = scales(n, k / o.group);
  switch (o.zero) {
  case AffineZero::Int:
    p.weight(n, k) =
        s *
        cast<float>(q - cast<int32_t>(cast<uint8_t>(zeros(n, k / o.group))));
    break;
  case AffineZero::Float:
    p.weight(n, k) = s * (cast<float>(q) - zeros(n, k / o.group));
    break;
  case AffineZero::Scaled:
    p.weight(n, k) = cast<float>(q) * s + zeros(n, k / o.group);
    break;
  }
}

} // namespace

AffineMatmulPipeline defineAffineMatmul(Func x, Func codes, Func scales,
                                        Func zeros, Func weak, Expr K,
                                        Expr weakRows,
                                        const AffineMatmulOptions &o) {
  AffineMatmulPipeline p;
  Var &n = p.n, &m = p.m;
  defineWeight(p, codes, scales, zeros, o);
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

AffineMatmulPipeline
defineAffineMatmulTransposed(Func dy, Func codes, Func scales, Func zeros,
                             Func weak, Expr N, Expr K, Expr weakRows,
                             const AffineMatmulOptions &o) {
  AffineMatmulPipeline p;
  Var &n = p.n, &m = p.m, &k = p.k;
  defineWeight(p, codes, scales, zeros, o);
  // QEFT: the weak rows' dense codes dequantize to exactly 0, so adding the
  // f16 rows to them gives the whole weight, and dX is one product with it.
  Func whole("whole_weight");
  if (o.weakRows)
    whole(n, k) =
        p.weight(n, k) +
        select(k >= K - weakRows,
               cast<float>(weak(n, clamp(k - (K - weakRows), 0, weakRows - 1))),
               0.0f);
  else
    whole(n, k) = p.weight(n, k);
  p.wholeWeight = whole;
  p.rk = RDom(0, N, "rn");
  p.product(k, m) = 0.0f;
  p.product(k, m) += dy(p.rk, m) * whole(p.rk, k);
  p.output(k, m) = p.product(k, m);
  return p;
}

void scheduleAffineMatmulTransposedGemv(AffineMatmulPipeline &p, int lanes) {
  // Each output is a dot product of a row of dY with a row of codes (both
  // contiguous): the reduction is split across vector lanes (rfactor) and
  // reduced horizontally at the end; rows of outputs in parallel.
  Var ko("ko"), ki("ki"), u("u");
  RVar rno("rno"), rni("rni");
  p.output.compute_root()
      .split(p.k, ko, ki, 8, TailStrategy::GuardWithIf)
      .parallel(ko);
  p.product.compute_at(p.output, ki);
  Func lanesSum = p.product.update()
                      .split(p.rk, rno, rni, lanes, TailStrategy::GuardWithIf)
                      .rfactor(rni, u);
  lanesSum.compute_at(p.output, ki).vectorize(u);
  lanesSum.update().vectorize(u);
}

void scheduleAffineMatmulTransposedGemm(AffineMatmulPipeline &p, int lanes) {
  // Each panel of outputs k has its weight rows transposed and dequantized
  // over all of N into cache, then register tiles of rows accumulate.
  LoopLevel panel =
      scheduleFmaTiles(p.output, p.product, p.k, p.m, {p.rk}, lanes);
  p.wholeWeight.compute_at(panel)
      .reorder_storage(p.k, p.n)
      .reorder(p.k, p.n)
      .vectorize(p.k, lanes, TailStrategy::RoundUp);
}

void scheduleAffineMatmulCuda(AffineMatmulPipeline &p) {
  // One thread per output, 32 x 8 per block; each walks K with the weight
  // dequantized in registers (codes read as bytes, coalesced across n).
  Var nb("nb"), nt("nt"), mb("mb"), mt("mt");
  p.output.compute_root().gpu_tile(p.n, p.m, nb, mb, nt, mt, 32, 8);
  p.product.compute_at(p.output, nt);
  if (p.wholeWeight.defined())
    p.wholeWeight.compute_inline();
}

void scheduleAffineMatmulTransposedCuda(AffineMatmulPipeline &p) {
  // One thread per dX element (k, m), 32 x 8 per block, each walking N with
  // its row of the weight dequantized in registers. Threads of a warp read
  // codes N bytes apart (rows of the [K, N] weight): uncoalesced, a first
  // schedule for correctness.
  Var kb("kb"), kt("kt"), mb("mb"), mt("mt");
  p.output.compute_root().gpu_tile(p.k, p.m, kb, mb, kt, mt, 32, 8);
  p.product.compute_at(p.output, kt);
  p.wholeWeight.compute_inline();
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
  // Each panel of columns is dequantized over all of K into cache once, then
  // register tiles of rows accumulate with FMAs.
  std::vector<RDom> reductions = {p.rk};
  if (o.weakRows)
    reductions.push_back(p.rw);
  LoopLevel panel =
      scheduleFmaTiles(p.output, p.product, p.n, p.m, reductions, lanes);
  p.weight.compute_at(panel).vectorize(p.n, lanes, TailStrategy::RoundUp);
}

} // namespace qtc::halide
