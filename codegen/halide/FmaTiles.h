//===- FmaTiles.h - The f32 register-tile schedule shared by matmuls ------===//
//
// C (cols, rows) in panels of 2 vectors of columns, parallel over panels
// (and over blocks of 64 rows when C is at most 4 panels wide); each panel
// in register tiles of 8 rows whose f32 sums (`product`, a pure
// zero then one update per RDom in `updates`) accumulate with FMAs. Returns the
// panel loop level, where callers stage their panel of the other operand.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_FMATILES_H
#define QTC_CODEGEN_HALIDE_FMATILES_H

#include "Halide.h"

namespace qtc::halide {

/// Rows of a register tile of 2 vectors of sums: AVX2's 16 vector
/// registers hold 6 rows and the operands (8 rows spilled sums); wider
/// targets have 32.
inline int fmaTileRows(int lanes) { return lanes == 8 ? 6 : 8; }

/// Any sizes: a panel past the last column is computed whole (the operands
/// must tolerate reads past their extents, e.g. repeat_edge) and stored
/// only where C is.
/// `colsExtent` is C's width (e.g. its output buffer's extent).
inline Halide::LoopLevel
scheduleFmaTiles(Halide::Func output, Halide::Func product, Halide::Var cols,
                 Halide::Var rows, const std::vector<Halide::RDom> &updates,
                 int lanes, Halide::Expr colsExtent) {
  using namespace Halide;
  Var co("co"), ci("ci"), rt("rt"), rb("rb"), ro("ro"), ri("ri");
  const int panel = 2 * lanes, tileRows = fmaTileRows(lanes), blockTiles = 8;
  output.compute_root();
  // A C a few panels wide (a rank-32 adapter gradient is one) would leave
  // cores idle: its blocks of rows run in parallel too. Wide ones keep one
  // task per panel and no block loop (either cost 5-15% on a 4096-wide
  // GEMM).
  output.specialize(colsExtent <= 4 * panel)
      .split(cols, co, ci, panel, TailStrategy::GuardWithIf)
      .split(rows, rt, ri, tileRows, TailStrategy::GuardWithIf)
      .split(rt, rb, ro, blockTiles, TailStrategy::GuardWithIf)
      .reorder(ci, ri, ro, rb, co)
      .vectorize(ci, lanes)
      .unroll(ri)
      .parallel(co)
      .parallel(rb);
  output.split(cols, co, ci, panel, TailStrategy::GuardWithIf)
      .split(rows, ro, ri, tileRows, TailStrategy::GuardWithIf)
      .reorder(ci, ri, ro, co)
      .vectorize(ci, lanes)
      .unroll(ri)
      .parallel(co);
  product.compute_at(output, ro)
      .bound_extent(cols, panel)
      .bound_extent(rows, tileRows)
      .vectorize(cols, lanes, TailStrategy::RoundUp)
      .unroll(rows);
  for (size_t u = 0; u < updates.size(); ++u)
    // The (1-D) reduction outermost: the tile stays in registers.
    product.update(static_cast<int>(u))
        .reorder(cols, rows, updates[u].x)
        .vectorize(cols, lanes, TailStrategy::RoundUp)
        .unroll(cols)
        .unroll(rows);
  return LoopLevel(output, co);
}

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_FMATILES_H
