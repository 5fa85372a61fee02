//===- F32Matmul.h - Plain f32 matmul and LoTA's dW gradient --------------===//
//
// The f32 products around the quantized ones: LoRA's adapter matmuls, the
// weight gradients Gw = X^T dY (LoTA) and dWf = X[:, K-n:]^T dY (QEFT), and
// LoTA's straight-through dDW = S Gw + c P(S Gw) (NUMERICS.md 4) as an
// epilogue of Gw.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_F32MATMUL_H
#define QTC_CODEGEN_HALIDE_F32MATMUL_H

#include "Halide.h"

namespace qtc::halide {

struct F32MatmulPipeline {
  Halide::Var n{"n"}, m{"m"}, g{"g"};
  Halide::RDom rk, rg;
  Halide::Func product{"product"}, output{"c"};
  /// B stored [N, K] (transpose_b): read through its transpose, (n, k),
  /// which the schedule stages one panel of columns at a time (the panel's
  /// vector loads are then dense, not strided gathers).
  Halide::Func bPanel{"b_panel"};
  /// LoTA only: Gw itself, stored once for the epilogue and the group means
  /// to read (the product sums it in registers), and the group means of
  /// S * Gw, (n, g).
  Halide::Func gw{"gw"}, groupMean{"group_mean"};
};

/// op(a) [M, K] times op(b) [K, N] (qt.matmul's transposes on stored
/// layouts), f32 accumulation. a and b must tolerate reads past their
/// extents along M and N (BoundaryConditions::repeat_edge). A defined
/// `outputScale` multiplies C after the sum (a fused arith.mulf epilogue:
/// LoRA's scale); a defined `addend` [M, N] is added last (a fused
/// arith.addf), each step rounded to f32 as the separate ops round it.
F32MatmulPipeline defineF32Matmul(Halide::Func a, Halide::Func b,
                                  Halide::Expr K, bool transposeA,
                                  bool transposeB,
                                  Halide::Expr outputScale = Halide::Expr(),
                                  Halide::Func addend = Halide::Func());

/// Replaces the output by LoTA's dDW from Gw = the product (which must be
/// [K_in, N] = x^T dY): scales [K_in/G, N] as (n, g), c = 1/omega or 1.
void addLotaDeltaGrad(F32MatmulPipeline &p, Halide::Func scales, int group,
                      Halide::Expr offsetScale);

/// Register tiles of 2 vectors x 6 rows (AVX2) or 8 (wider targets) over
/// all of K (FmaTiles.h).
void scheduleF32MatmulCpu(F32MatmulPipeline &p, int lanes, bool lotaDeltaGrad);
/// LoTA's dDW epilogue alone (after addLotaDeltaGrad), with Gw read from
/// wherever `p.product` is (the fused product, or a buffer).
void scheduleF32MatmulEpilogueCpu(F32MatmulPipeline &p, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_F32MATMUL_H
