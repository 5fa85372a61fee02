//===- AffineMatmul.cpp - x times an affine-int weight, dequant on load ===//
#include "codegen/halide/AffineMatmul.h"
#include "codegen/halide/FmaTiles.h"

using namespace Halide;

namespace qtc::halide {

namespace {

/// The code of input row k, output column n, as an int32.
Expr codeAt(Func codes, Expr n, Expr k, const AffineMatmulOptions &o) {
  if (o.packedBits == 0)
    return cast<int32_t>(cast<uint8_t>(codes(n, k)));
  const int perWord = 32 / o.packedBits;
  Expr word = cast<uint32_t>(codes(n, k / perWord));
  Expr shift = cast<uint32_t>(o.packedBits * (k % perWord));
  return cast<int32_t>((word >> shift) & ((1u << o.packedBits) - 1));
}

/// q - z as the reference forms it (exact for integer zeros); the zero of
/// group g.
Expr codeMinusZero(Expr q, Func zeros, Expr n, Expr g,
                   const AffineMatmulOptions &o) {
  if (o.zero == AffineZero::Int)
    return cast<float>(q - cast<int32_t>(cast<uint8_t>(zeros(n, g))));
  return cast<float>(q) - zeros(n, g);
}

/// The weight (n, k) dequantized exactly as codegen/reference/Affine.cpp does,
/// element by element: w = s * (q - z), or q * s + zs for scaled zeros.
Expr weightAt(Func codes, Func scales, Func zeros, Expr n, Expr k,
              const AffineMatmulOptions &o) {
  Expr q = codeAt(codes, n, k, o);
  Expr g = k / o.group, s = scales(n, g);
  if (o.zero == AffineZero::Scaled)
    return cast<float>(q) * s + zeros(n, g);
  return s * codeMinusZero(q, zeros, n, g, o);
}

void checkPacking(const AffineMatmulOptions &o) {
  _halide_user_assert(o.packedBits == 0 || o.packedBits == 2 ||
                      o.packedBits == 4 || o.packedBits == 8)
      << "affine codes pack 2, 4 or 8 bits per code, not " << o.packedBits;
  _halide_user_assert(o.packedBits == 0 || o.group % (32 / o.packedBits) == 0)
      << "a group of " << o.group << " rows does not cover whole words of "
      << 32 / o.packedBits << " codes";
}

void defineWeight(AffineMatmulPipeline &p, Func codes, Func scales, Func zeros,
                  const AffineMatmulOptions &o) {
  checkPacking(o);
  p.weight(p.n, p.k) = weightAt(codes, scales, zeros, p.n, p.k, o);
}

/// QEFT: the f16 rows' product with the last weakRows inputs, an update of
/// the forward's sums.
void addWeakRows(AffineMatmulPipeline &p, Func x, Func weak, Expr K,
                 Expr weakRows) {
  p.rw = RDom(0, weakRows, "rw");
  p.product(p.n, p.m) +=
      x(K - weakRows + p.rw, p.m) * cast<float>(weak(p.n, p.rw));
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
  if (o.weakRows)
    addWeakRows(p, x, weak, K, weakRows);
  p.output(n, m) = p.product(n, m);
  return p;
}

AffineMatmulPipeline defineAffineMatmulByGroups(Func x, Func codes, Func scales,
                                                Func zeros, Func weak, Expr K,
                                                Expr weakRows,
                                                const AffineMatmulOptions &o) {
  checkPacking(o);
  AffineMatmulPipeline p;
  Var &n = p.n, &m = p.m, &g = p.g;
  p.rg = RDom(0, o.group, "rg");
  p.rgroups = RDom(0, K / o.group, "rgroups");
  Expr k = g * o.group + p.rg;
  Expr q = codeAt(codes, n, k, o);
  p.groupSum(n, g, m) = 0.0f;
  if (o.zero == AffineZero::Scaled)
    p.groupSum(n, g, m) +=
        x(k, m) * (cast<float>(q) * scales(n, g) + zeros(n, g));
  else
    p.groupSum(n, g, m) += x(k, m) * codeMinusZero(q, zeros, n, g, o);
  Expr groupScale =
      o.zero == AffineZero::Scaled ? Expr(1.0f) : scales(n, p.rgroups);
  p.product(n, m) = 0.0f;
  p.product(n, m) += groupScale * p.groupSum(n, p.rgroups, m);
  if (o.weakRows)
    addWeakRows(p, x, weak, K, weakRows);
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
  // Each output is a dot product of a row of dY with a row of the weight,
  // both contiguous along N: the reduction runs in vector lanes (rfactor)
  // and is summed across lanes at the end. Register tiles of 4 outputs x 4
  // rows share each dequantized weight vector among 4 rows and each dY
  // vector among 4 outputs; below 4 rows, one row and 4 outputs per tile.
  // ShiftInwards: the last tile overlaps its neighbour (K >= 4).
  Var ko("ko"), ki("ki"), mo("mo"), mi("mi"), u("u");
  RVar rno("rno"), rni("rni");
  Expr M = p.output.output_buffer().dim(1).extent();
  Func lanesSum = p.product.update()
                      .split(p.rk, rno, rni, lanes, TailStrategy::GuardWithIf)
                      .rfactor(rni, u);
  p.output.compute_root();
  p.output.specialize(M >= 4)
      .split(p.k, ko, ki, 4, TailStrategy::ShiftInwards)
      .split(p.m, mo, mi, 4, TailStrategy::ShiftInwards)
      .reorder(ki, mi, mo, ko)
      .parallel(ko);
  p.output.split(p.k, ko, ki, 4, TailStrategy::ShiftInwards)
      .split(p.m, mo, mi, 1)
      .reorder(ki, mi, mo, ko)
      .parallel(ko);
  p.product.compute_at(p.output, mo).unroll(p.k).unroll(p.m);
  p.product.update().unroll(p.k).unroll(p.m);
  lanesSum.compute_at(p.output, mo)
      .reorder_storage(u, p.k, p.m)
      .vectorize(u)
      .unroll(p.k)
      .unroll(p.m);
  lanesSum.update()
      .reorder(u, p.m, p.k, rno)
      .vectorize(u)
      .unroll(p.k)
      .unroll(p.m);
}

void scheduleAffineMatmulTransposedGemm(AffineMatmulPipeline &p, int lanes) {
  // Each panel of outputs k has its weight rows transposed and dequantized
  // over all of N into cache, then register tiles of rows accumulate.
  LoopLevel panel =
      scheduleFmaTiles(p.output, p.product, p.k, p.m, {p.rk}, lanes,
                       p.output.output_buffer().dim(0).extent());
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
  // Each task owns a chunk of columns whose sums stay in L1. K is walked a
  // group at a time; within a group, each panel of 4 vectors of columns
  // accumulates its unscaled sum in registers, unrolled over the codes of a
  // word so that every shift is a constant. So the codes are streamed once,
  // and the rows a group touches stay in the TLB for all its panels.
  Var no("no"), ni("ni"), np("np"), nv("nv");
  RVar rgo("rgo"), rgi("rgi");
  const int panel = 4 * lanes, chunk = 16 * panel;
  const int unrolled = o.packedBits ? 32 / o.packedBits : 4;
  // ShiftInwards: the last chunk overlaps its neighbour instead of reading
  // past N; narrower outputs take one panel per task, the last one guarded
  // where N is not a multiple of the panel (its sums are computed whole,
  // from a weight read clamped: clamp_columns).
  Expr N = p.output.output_buffer().dim(0).extent();
  p.output.compute_root();
  p.output.specialize(N >= chunk)
      .split(p.n, no, ni, chunk, TailStrategy::ShiftInwards)
      .vectorize(ni, lanes)
      .parallel(no);
  p.output.split(p.n, no, ni, panel, TailStrategy::GuardWithIf)
      .vectorize(ni, lanes)
      .parallel(no);
  p.product.compute_at(p.output, no)
      .vectorize(p.n, lanes, TailStrategy::RoundUp);
  p.product.update(0)
      .split(p.n, np, nv, panel, TailStrategy::RoundUp)
      .reorder(nv, p.m, np, p.rgroups)
      .vectorize(nv, lanes)
      .unroll(nv);
  p.groupSum.compute_at(p.product, np)
      .vectorize(p.n, lanes, TailStrategy::RoundUp)
      .unroll(p.n);
  p.groupSum.update(0)
      .split(p.rg, rgo, rgi, unrolled, TailStrategy::GuardWithIf)
      .split(p.n, np, nv, panel, TailStrategy::RoundUp)
      .reorder(nv, rgi, rgo, p.m, np)
      .vectorize(nv, lanes)
      .unroll(nv)
      .unroll(rgi);
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
      scheduleFmaTiles(p.output, p.product, p.n, p.m, reductions, lanes,
                       p.output.output_buffer().dim(0).extent());
  p.weight.compute_at(panel).vectorize(p.n, lanes, TailStrategy::RoundUp);
}

} // namespace qtc::halide
