//===- AffineMatmul.h - x times an affine-int weight, dequantized on load -===//
//
// Y = x W with W = dequant(codes, scales, zeros) formed tile by tile in
// registers or cache, never as an f32 matrix in memory: the deployed (merged)
// LoTA-QAF layer, and QEFT's dense 4-bit part plus its f16 weak rows in the
// same kernel (NUMERICS.md 3, 4, 5). Accumulation is f32 (compared with the
// reference within the f32 summation error bound). Codes are one per byte
// (the dialect's storage) or packed in int32 words as GPTQ checkpoints hold
// them (`qweight`), which halves the bytes a 4-bit GEMV streams.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_AFFINEMATMUL_H
#define QTC_CODEGEN_HALIDE_AFFINEMATMUL_H

#include "Halide.h"

namespace qtc::halide {

enum class AffineZero { Int, Float, Scaled };

struct AffineMatmulOptions {
  int group = 128;
  AffineZero zero = AffineZero::Int;
  /// QEFT: an f16 [weakRows, N] tail added for the last weakRows inputs.
  bool weakRows = false;
  /// 0: one code per byte, [K, N] as (n, k). 2, 4 or 8: GPTQ's qweight,
  /// int32 [K * bits / 32, N] as (n, word), codes packed along K least
  /// significant first; a group must cover whole words.
  int packedBits = 0;
};

struct AffineMatmulPipeline {
  Halide::Var n{"n"}, m{"m"}, k{"k"}, g{"g"};
  Halide::RDom rk, rw;
  /// defineAffineMatmulByGroups: rows within a group, and the groups.
  Halide::RDom rg, rgroups;
  /// The weight, dequantized: (n, k); with QEFT's weak rows added (the
  /// transposed product only).
  Halide::Func weight{"weight"}, wholeWeight{"whole_weight"};
  /// f32 partial sums (n, m) over K (and the weak tail), and the output.
  Halide::Func product{"product"}, output{"y"};
  /// defineAffineMatmulByGroups: one group's unscaled sum (n, g, m).
  Halide::Func groupSum{"group_sum"};
};

/// Register tiles cover whole vectors of columns, so N must be a multiple of
/// the schedule's column panel (4 vectors for GEMV, 2 for GEMM: 64 and 32
/// columns with AVX-512; Halide checks it); x must tolerate rows past M (wrap
/// it with BoundaryConditions::repeat_edge), no other input is read out of
/// bounds. x is [M, K] as (k, m); codes [K, N] as (n, k) (u8 bit patterns in i8
/// storage) or packed (AffineMatmulOptions::packedBits); scales and zeros
/// [K / group, N] as (n, g); weak [n_weak, N] as (n, j) in f16 when
/// options.weakRows. Each term is x_k w_k with w_k = s (q - z) rounded as the
/// reference rounds it; for the GEMM schedule and the GPU.
AffineMatmulPipeline defineAffineMatmul(Halide::Func x, Halide::Func codes,
                                        Halide::Func scales, Halide::Func zeros,
                                        Halide::Func weak, Halide::Expr K,
                                        Halide::Expr weakRows,
                                        const AffineMatmulOptions &options);

/// The same product summed a group at a time: sum_g s_g sum_{k in g} x_k
/// (q_k - z_g) (scaled zeros: sum_g sum_k x_k w_k), so the scale leaves the
/// inner loop (5 vector operations per vector of packed 4-bit weights:
/// shift, mask, convert, subtract, FMA). For the GEMV schedule; within
/// (K + 3) 2^-24 sum_k |x_k w_k| of the reference. K must be a multiple of the
/// group. x is read in bounds only.
AffineMatmulPipeline defineAffineMatmulByGroups(
    Halide::Func x, Halide::Func codes, Halide::Func scales, Halide::Func zeros,
    Halide::Func weak, Halide::Expr K, Halide::Expr weakRows,
    const AffineMatmulOptions &options);

/// The backward dX = dY W^T (plus dY Wf^T on the weak inputs for QEFT): dy is
/// [M, N] as (n, m), the weight as above, the result [M, K] as (k, m).
AffineMatmulPipeline defineAffineMatmulTransposed(
    Halide::Func dy, Halide::Func codes, Halide::Func scales,
    Halide::Func zeros, Halide::Func weak, Halide::Expr N, Halide::Expr K,
    Halide::Expr weakRows, const AffineMatmulOptions &options);
/// Up to about 64 rows: dot products along N in vector lanes, register tiles
/// of 4 outputs x 4 rows sharing each dequantized weight vector (139 against
/// 15 GOP/s for the GEMM schedule at 8 x 4096 x 4096, 131 against 92 at 64,
/// 126 against 144 at 128). dY is read in bounds only; K must be at least 4.
void scheduleAffineMatmulTransposedGemv(AffineMatmulPipeline &p, int lanes);
/// K must be a multiple of 2 vectors.
void scheduleAffineMatmulTransposedGemm(AffineMatmulPipeline &p, int lanes);

/// CUDA: one thread per output element.
void scheduleAffineMatmulCuda(AffineMatmulPipeline &p);
/// The transposed product (dX) on a GPU.
void scheduleAffineMatmulTransposedCuda(AffineMatmulPipeline &p);

/// 1..4 tokens (defineAffineMatmulByGroups): stream the codes once,
/// dequantizing in registers. (From about 5 tokens the GEMM schedule, which
/// dequantizes a panel once for all rows, is faster: 95 against 41 GOP/s at
/// 8 x 4096 x 4096.)
void scheduleAffineMatmulGemv(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes);
/// More tokens: dequantize a panel of columns into cache once and reuse it
/// across register tiles of rows.
void scheduleAffineMatmulGemm(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_AFFINEMATMUL_H
