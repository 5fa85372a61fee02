//===- GseMatmulSchedule.cpp - Schedules of the GSE matmul, one per target ===//
//
// All targets share the shape: C is tiled over (n, m); for each tile the
// groups are visited in order (f32 accumulation must sum them in order to
// match the reference bit for bit), and each group's i32 partials are a
// register tile updated by 4-way widening dot products, the form Halide
// maps to vpdpbusd (x86 VNNI), sdot (ARM dot product) and dp4a (CUDA).
//
//===----------------------------------------------------------------------===//
#include "codegen/halide/GseMatmul.h"

using namespace Halide;

namespace qtc::halide {
namespace {

/// The CPU schedule. C is cut into cache blocks of blockN x blockM outputs,
/// computed in parallel; a block's sums (f32, or i64 for wide_int) visit the
/// groups in order, and per group, register tiles of (lanes * vectorsN) x
/// rowsM outputs take their i32 partials from 4-way dot products, reusing
/// the block's slice of A and B from cache. Tiles past the edges of C are
/// computed whole (the operands read as zero there) and not stored.
void scheduleCpu(GseMatmulPipeline &p, const GseMatmulOptions &o, int lanes,
                 int vectorsN, int rowsM, int blockN, int blockM) {
  Var nB("nB"), mB("mB"), nI("nI"), mI("mI"), nt("nt"), mt("mt"), ni("ni"),
      mi("mi"), nv("nv"), nl("nl");
  RVar rko("rko"), rki("rki");
  const int tileN = lanes * vectorsN;

  // Operand packing: once per call, parallel over rows.
  p.lhs.compute_root().vectorize(p.k, 64, TailStrategy::RoundUp).parallel(p.m);
  if (o.unsignedRhs)
    p.lhsGroupSums.compute_root()
        .parallel(p.m)
        .update()
        .parallel(p.m);

  // C: cache blocks in parallel, as two nested parallel loops (the output
  // itself only copies or converts). Not one fused loop: Halide's bounds of
  // a fused loop's parts are loose, and every producer above was computed
  // over about twice the columns of C.
  p.output.compute_root()
      .split(p.n, nB, nI, blockN, TailStrategy::GuardWithIf)
      .split(p.m, mB, mI, blockM, TailStrategy::GuardWithIf)
      .reorder(nI, mI, mB, nB)
      .vectorize(nI, lanes)
      .parallel(nB)
      .parallel(mB);
  // Each block of columns repacks its slice of B (blockN x K bytes, in L2)
  // into the operand layout of the 4-way dot product, for all its blocks of
  // rows: a per-call copy of the whole of B would be a fresh allocation as
  // large as B on every call (page faults, for B beyond malloc's mmap
  // threshold) read back from memory. 4-byte words (4 consecutive k of one
  // column) move as units, columns innermost: the stores fill whole lines
  // in order and the loads, one per row, never alias them 4 KiB apart (rows
  // innermost ran 5x slower).
  Var koo("koo"), koi("koi"), nP("nP"), nPi("nPi");
  if (o.prepackedRhs)
    p.rhs.compute_inline(); // reads the packed input directly
  else
    p.rhs.compute_at(p.output, nB)
        .split(p.ko, koo, koi, 64, TailStrategy::RoundUp)
        .split(p.n, nP, nPi, 16, TailStrategy::RoundUp)
        .reorder(p.kk, nPi, koi, nP, koo)
        .vectorize(p.kk)
        .unroll(nPi);
  // A block's sums: blockN x blockM outputs.
  p.sum.compute_at(p.output, mB)
      .vectorize(p.n, lanes, TailStrategy::RoundUp);
  p.sum.update()
      .split(p.n, nt, ni, tileN, TailStrategy::RoundUp)
      .split(p.m, mt, mi, rowsM, TailStrategy::RoundUp)
      .reorder(ni, mi, nt, mt, p.rg)
      .vectorize(ni, lanes)
      .unroll(mi);
  if (!o.wideInt) {
    p.aScale.compute_root().parallel(p.m);
    // Stored n-major so a register tile reads its B scales as one vector.
    p.bScale.compute_root()
        .reorder_storage(p.n, p.g)
        .reorder(p.n, p.g)
        .vectorize(p.n, lanes, TailStrategy::RoundUp)
        .parallel(p.g);
  } else {
    // The common exponent of every output before its groups are summed.
    p.common.compute_at(p.output, mB)
        .vectorize(p.n, lanes, TailStrategy::RoundUp);
    // n-major, so a vector of columns reads its exponents as one load.
    p.bExponent.compute_root()
        .reorder_storage(p.n, p.g)
        .reorder(p.n, p.g)
        .vectorize(p.n, lanes, TailStrategy::RoundUp)
        .parallel(p.g);
    p.exponentRange.compute_at(p.output, mB)
        .vectorize(p.n, lanes, TailStrategy::RoundUp);
    p.exponentRange.update()
        .reorder(p.n, p.m, p.rg)
        .vectorize(p.n, lanes, TailStrategy::RoundUp);
  }

  // One group's partials: a rowsM x tileN register tile.
  p.partial.compute_at(p.sum, nt)
      .split(p.n, nv, nl, lanes)
      .reorder(nl, nv, p.m)
      .vectorize(nl)
      .unroll(nv)
      .unroll(p.m);
  p.partial.update()
      .split(p.rk, rko, rki, 4)
      .split(p.n, nv, nl, lanes)
      .reorder(rki, nl, nv, p.m, rko)
      .atomic()
      .vectorize(rki)
      .vectorize(nl)
      .unroll(nv)
      .unroll(p.m);
}

} // namespace

void scheduleGseMatmulX86Avx512(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  // 512-bit vectors: with 256-bit ones LLVM 14 picks the VEX AVX-VNNI
  // encoding, which faults on AVX512-VNNI-only CPUs (DESIGN.md).
  scheduleCpu(p, o, /*lanes=*/16, /*vectorsN=*/2, /*rowsM=*/4,
              /*blockN=*/256, /*blockM=*/64);
}

void scheduleGseMatmulX86Avx2(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  scheduleCpu(p, o, /*lanes=*/8, /*vectorsN=*/2, /*rowsM=*/4,
              /*blockN=*/128, /*blockM=*/64);
}

void scheduleGseMatmulArm(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  scheduleCpu(p, o, /*lanes=*/4, /*vectorsN=*/4, /*rowsM=*/4,
              /*blockN=*/128, /*blockM=*/32);
}

void scheduleGseMatmulCuda(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  // One thread per output element; each walks the groups in order and keeps
  // its partial in a register (dp4a from the 4-way split).
  Var nb("nb"), nt("nt"), mb("mb"), mt("mt");
  RVar rko("rko"), rki("rki");
  p.lhs.compute_root().gpu_tile(p.k, p.m, nb, mb, nt, mt, 32, 8);
  p.rhs.compute_root().gpu_tile(p.n, p.ko, nb, mb, nt, mt, 32, 8);
  if (o.unsignedRhs) {
    p.lhsGroupSums.compute_root().gpu_tile(p.g, p.m, nb, mb, nt, mt, 8, 32);
    p.lhsGroupSums.update().gpu_tile(p.g, p.m, nb, mb, nt, mt, 8, 32);
  }
  p.output.compute_root().gpu_tile(p.n, p.m, nb, mb, nt, mt, 32, 8);
  p.sum.compute_at(p.output, nt);
  if (o.wideInt) {
    p.common.compute_at(p.output, nt);
    p.exponentRange.compute_at(p.output, nt);
  } else {
    p.aScale.compute_root().gpu_tile(p.g, p.m, nb, mb, nt, mt, 8, 32);
    p.bScale.compute_root().gpu_tile(p.n, p.g, nb, mb, nt, mt, 32, 8);
  }
  p.partial.compute_at(p.sum, p.rg);
  p.partial.update().split(p.rk, rko, rki, 4).atomic().vectorize(rki);
}

} // namespace qtc::halide
