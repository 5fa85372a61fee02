//===- GseMatmul.h - The GSE x GSE matmul algorithm -------------*- C++ -*-===//
//
// C = op(A) op(B) for two GSE operands grouped along K (NUMERICS.md 1): the
// algorithm only; schedules live in GseMatmulSchedule.cpp, one per target.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_GSEMATMUL_H
#define QTC_CODEGEN_HALIDE_GSEMATMUL_H

#include "codegen/halide/ZeroOutside.h"

namespace qtc::halide {

struct GseMatmulOptions {
  int group = 32;
  /// When defined, C is multiplied by it after the cross-group sum, with one
  /// more f32 rounding: a fused arith.mulf epilogue (LoRA's scale), bit for
  /// bit the separate ops.
  Halide::Expr outputScale;
  bool wideInt = false;
  /// qt.matmul's transposes: A stored [K, M], B stored [N, K].
  bool transposeA = false, transposeB = false;
  /// Add 128 to B's mantissas so the products are i8 x u8 (x86 VNNI's
  /// vpdpbusd) and start each partial at -128 * sum(A) over the group:
  /// exact. The correction costs O(M K), not O(N K).
  bool unsignedRhs = false;
  /// Form each f32 term as round_f32(f64(partial) * 2^(sA + sB)) (exact in
  /// f64, then one rounding: ldexp's result). For CUDA, whose LLVM backend
  /// fuses f32 multiplies into following adds regardless of strict_float;
  /// the conversion between them leaves nothing to fuse.
  bool termViaF64 = false;
  /// B's mantissas arrive already in the operand layout `rhs` (as
  /// packGseRhs writes it, offset included): frozen weights are packed
  /// once, not on every call. Its column extent must cover C's, rounded up
  /// to the schedule's block (256 columns).
  bool prepackedRhs = false;
};

/// Halide dimensions are innermost first: a stored [M, K] matrix is (k, m).
struct GseMatmulPipeline {
  Halide::Var k{"k"}, m{"m"}, n{"n"}, g{"g"}, kk{"kk"}, ko{"ko"};
  Halide::RDom rk, rg;
  /// A's mantissas as (k, m).
  Halide::Func lhs{"lhs"};
  /// op(B)^T's mantissas packed as (kk, n, ko) with k = 4 ko + kk, so 4
  /// consecutive k of 16 columns are one 64-byte load (offset by 128 when
  /// unsignedRhs).
  Halide::Func rhs{"rhs"};
  /// 128 * sum over a group of A's mantissas, (g, m) (unsignedRhs only).
  Halide::Func lhsGroupSums{"lhs_group_sums"};
  /// The exact i32 partial of one group, (n, m, g).
  Halide::Func partial{"partial"};
  /// The partial with the unsigned offset removed, (n, m, g).
  Halide::Func groupPartial{"group_partial"};
  /// f32 only: 2^sA as (g, m) and 2^sB as (g, n), in f32.
  Halide::Func aScale{"a_scale"}, bScale{"b_scale"};
  /// B's group exponents as i32, (g, n).
  Halide::Func bExponent{"b_exponent"};
  /// Group exponent sums sA + sB, (n, m, g).
  Halide::Func exponent{"exponent"};
  /// f32: round_f32(partial * 2^exponent); wide_int: the partial shifted to
  /// the common exponent (i64). Either is summed over groups in order.
  Halide::Func term{"term"};
  /// The terms summed over groups in order: f32, or i64 for wide_int.
  Halide::Func sum{"sum"};
  /// wide_int only: the smallest and largest group exponent (a Tuple) and
  /// the common exponent, (n, m).
  Halide::Func exponentRange{"exponent_range"}, common{"common"};
  Halide::Func output{"c"};
};

/// Builds the algorithm. Inputs are the storage of qt.matmul's operands:
/// mantissas (i8) and exponents (i8), A as stored [M, K] (or [K, M]) and B
/// as stored [K, N] (or [N, K]). The output is C (n, m), i.e. [M, N].
/// The operands must read as zero outside their stored extents (wrap inputs
/// with zeroOutside) so that schedules may compute whole register tiles past
/// the edges of C: a zero mantissa contributes nothing.
GseMatmulPipeline defineGseMatmul(Halide::Func aMantissas,
                                  Halide::Func aExponents,
                                  Halide::Func bMantissas,
                                  Halide::Func bExponents, Halide::Expr K,
                                  const GseMatmulOptions &options);

/// The operand layout of B for the x86/ARM schedules, (kk, n, ko) with
/// k = 4 ko + kk, from B's stored mantissas; columns past `cols` (padding up
/// to the packed extent) hold mantissa 0. With `unsignedRhs` the bytes carry
/// the +128 offset.
Halide::Func packGseRhs(Halide::Func bMantissas, Halide::Expr cols,
                        bool transposeB, bool unsignedRhs);

/// The GEMV form for 1 or 2 rows of A (from 4 rows the GEMM schedule, its
/// B repacked per block, is faster: 91 against 50 GOP/s at 4 x 4096 x 4096
/// in qtc-bench), operands stored [M, K] and [N, K] (the
/// forward X W^T): dot products run along K in vector lanes, each lane a
/// 4-element integer dot product scaled by its group's 2^(sA + sB) and
/// summed in f32 per lane, lanes summed at the end. It reassociates the
/// f32 sum (not bit-exact; within (K/4 + 1) 2^-24 of the sum of the
/// magnitudes of its 4-element terms) and needs no repacking of B.
struct GseGemvPipeline {
  Halide::Var n{"n"}, m{"m"}, q{"q"}, u{"u"};
  Halide::RDom r4, rq;
  /// 4-element partials (n, m, q), k = 4 q + r4, and the output.
  Halide::Func chunk{"chunk"}, lhsChunkSums{"lhs_chunk_sums"};
  Halide::Func output{"c"};
};
GseGemvPipeline defineGseGemv(Halide::Func aMantissas, Halide::Func aExponents,
                              Halide::Func bMantissas, Halide::Func bExponents,
                              Halide::Expr K, int group, bool unsignedRhs);
void scheduleGseGemvCpu(GseGemvPipeline &p, int lanes);

/// One schedule per target family; each writes C in (n, m) order.
void scheduleGseMatmulX86Avx512(GseMatmulPipeline &p,
                                const GseMatmulOptions &o);
void scheduleGseMatmulX86Avx2(GseMatmulPipeline &p, const GseMatmulOptions &o);
void scheduleGseMatmulArm(GseMatmulPipeline &p, const GseMatmulOptions &o);
void scheduleGseMatmulCuda(GseMatmulPipeline &p, const GseMatmulOptions &o);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_GSEMATMUL_H
