//===- LotaMerge.h - LoTA-QAF's per-step merge of ternary adapters --------===//
//
// From the integer base (codes, zeros) and the ternary adapters A [K, r],
// B [r, N]: dW = A B, the masked step What, the group-mean offset U and the
// merged weight q' = q + What with z' = z - U, or zs' = zs + s U for a
// scaled-zero base (ggml's Q4_1: w = q s + zs) (NUMERICS.md 4), in one
// pipeline; the merged weight then feeds the dequantize-on-load matmul, so
// W_eff is never an f32 matrix in memory. Bit for bit with the reference.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_LOTAMERGE_H
#define QTC_CODEGEN_HALIDE_LOTAMERGE_H

#include "Halide.h"
#include "codegen/halide/AffineMatmul.h"

#include <utility>

namespace qtc::halide {

struct LotaMergeOptions {
  int bits = 4, group = 128;
  bool invOmega = true; ///< offset_scale inv_omega (else one)
  /// The base's zero form: Int (i8) and Float (f32) zeros merge to
  /// z' = z - U; Scaled (f32) zeros to zs' = zs + s U, reading the scales.
  AffineZero zero = AffineZero::Int;
};

struct LotaMergePipeline {
  /// The stages' variables are named so too (Halide matches Vars by name).
  Halide::Var n{"n"}, k{"k"}, g{"g"};
  /// dW = a b as i32, then stored as i8; What; sum over a group of R.
  Halide::Func product{"product"}, delta{"delta"}, step{"step"},
      residualSum{"residual_sum"};
  Halide::Func codes{"merged_codes"}, zeros{"merged_zeros"};
};

/// codes [K, N] as (n, k) (u8 patterns in i8), zeros and scales [K/G, N] as
/// (n, g) (zeros in options.zero's form; the scales are read for Scaled
/// only), a [K, r] as (j, k), b [r, N] as (n, j); omega is the f32
/// attribute widened to f64.
LotaMergePipeline defineLotaMerge(Halide::Func codes, Halide::Func zeros,
                                  Halide::Func scales,
                                  Halide::Func a, Halide::Func b,
                                  Halide::Expr rank, Halide::Expr omega,
                                  const LotaMergeOptions &options);

void scheduleLotaMergeCpu(LotaMergePipeline &p, int lanes);

// The merge's stages one at a time, for a step whose merge chain was not
// fused (each reads and writes memory; same numerics as the pipeline).

/// dW = a b (n, k) as i32 (qt.ternary_product).
Halide::Func defineTernaryProduct(Halide::Func a, Halide::Func b,
                                  Halide::Expr rank);
/// What (n, k) from dW (any integer type) and the codes
/// (qt.masked_threshold).
Halide::Func defineMaskedThreshold(Halide::Func delta, Halide::Func codes,
                                   Halide::Expr omega, int bits);
/// U (n, g) from dW and What (qt.lota_offset): the group sums of
/// dW - omega What in f64, then the offset.
struct LotaOffsetPipeline {
  Halide::Func sum{"residual_sum"}, offset{"lota_offset"};
};
LotaOffsetPipeline defineLotaOffset(Halide::Func delta, Halide::Func step,
                                    Halide::Expr omega, int group,
                                    bool invOmega);
/// q' = q + What (n, k) and z' = z - U or zs' = zs + s U (n, g), per
/// `zero` (qt.lota_merge alone).
std::pair<Halide::Func, Halide::Func>
defineLotaApply(Halide::Func codes, Halide::Func zeros, Halide::Func scales,
                Halide::Func step, Halide::Func offset, AffineZero zero);

/// The stages' schedules: outputs row-parallel, vectors along rows; a
/// reduction over rows (the product's rank, a group) accumulated in
/// vectors.
void scheduleLotaStageCpu(Halide::Func out, int lanes);
void scheduleLotaOffsetCpu(LotaOffsetPipeline &p, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_LOTAMERGE_H
