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

/// The CPU schedule, parameterized by the vector width (in i32 lanes), the
/// number of vectors across n and the rows of m in one register tile.
void scheduleCpu(GseMatmulPipeline &p, const GseMatmulOptions &o, int lanes,
                 int vectorsN, int rowsM) {
  Var no("no"), ni("ni"), mo("mo"), mi("mi"), nv("nv"), nl("nl");
  RVar rko("rko"), rki("rki");
  const int tileN = lanes * vectorsN;

  // Operand packing: once per call, parallel over rows.
  p.lhs.compute_root().vectorize(p.k, 64, TailStrategy::GuardWithIf).parallel(p.m);
  p.rhs.compute_root()
      .reorder(p.kk, p.n, p.ko)
      .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
      .unroll(p.kk)
      .parallel(p.ko);
  if (o.unsignedLhs)
    p.rhsGroupSums.compute_root()
        .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
        .parallel(p.g)
        .update()
        .reorder(p.rk, p.n, p.g)
        .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
        .parallel(p.g);

  // C in (tileN x rowsM) tiles, rows of tiles in parallel.
  p.output.compute_root()
      .split(p.n, no, ni, tileN, TailStrategy::GuardWithIf)
      .split(p.m, mo, mi, rowsM, TailStrategy::GuardWithIf)
      .reorder(ni, mi, no, mo)
      .vectorize(ni, lanes)
      .parallel(mo);
  // The Func whose update visits the groups of one tile in order.
  Func out = p.output;
  if (o.wideInt) {
    out = p.wideSum;
    p.wideSum.compute_at(p.output, no)
        .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
        .unroll(p.m);
    p.wideSum.update()
        .reorder(p.n, p.m, p.rg)
        .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
        .unroll(p.m);
    p.common.compute_at(p.output, no)
        .vectorize(p.n, lanes, TailStrategy::GuardWithIf)
        .unroll(p.m);
  } else {
    p.output.update()
        .split(p.n, no, ni, tileN, TailStrategy::GuardWithIf)
        .split(p.m, mo, mi, rowsM, TailStrategy::GuardWithIf)
        .reorder(ni, mi, p.rg, no, mo)
        .vectorize(ni, lanes)
        .unroll(mi)
        .parallel(mo);
  }

  // One group's partials: a rowsM x tileN register tile.
  p.partial.compute_at(out, p.rg)
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
  scheduleCpu(p, o, /*lanes=*/16, /*vectorsN=*/2, /*rowsM=*/4);
}

void scheduleGseMatmulX86Avx2(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  scheduleCpu(p, o, /*lanes=*/8, /*vectorsN=*/2, /*rowsM=*/4);
}

void scheduleGseMatmulArm(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  scheduleCpu(p, o, /*lanes=*/4, /*vectorsN=*/4, /*rowsM=*/4);
}

void scheduleGseMatmulCuda(GseMatmulPipeline &p, const GseMatmulOptions &o) {
  // One thread per output element; each walks the groups in order and keeps
  // its partial in a register (dp4a from the 4-way split).
  Var nb("nb"), nt("nt"), mb("mb"), mt("mt");
  RVar rko("rko"), rki("rki");
  p.lhs.compute_root().gpu_tile(p.k, p.m, nb, mb, nt, mt, 32, 8);
  p.rhs.compute_root().gpu_tile(p.n, p.ko, nb, mb, nt, mt, 32, 8);
  if (o.unsignedLhs) {
    p.rhsGroupSums.compute_root().gpu_tile(p.n, p.g, nb, mb, nt, mt, 32, 8);
    p.rhsGroupSums.update().gpu_tile(p.n, p.g, nb, mb, nt, mt, 32, 8);
  }
  p.output.compute_root().gpu_tile(p.n, p.m, nb, mb, nt, mt, 32, 8);
  Func out = p.output;
  if (o.wideInt) {
    out = p.wideSum;
    p.wideSum.compute_at(p.output, nt);
    p.common.compute_at(p.output, nt);
  } else {
    p.output.update().gpu_tile(p.n, p.m, nb, mb, nt, mt, 32, 8);
  }
  p.partial.compute_at(out, p.rg);
  p.partial.update().split(p.rk, rko, rki, 4).atomic().vectorize(rki);
}

} // namespace qtc::halide
