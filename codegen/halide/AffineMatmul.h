//===- AffineMatmul.h - x times an affine-int weight, dequantized on load -===//
//
// Y = x W with W = dequant(codes, scales, zeros) formed tile by tile in
// registers or cache, never as an f32 matrix in memory: the deployed (merged)
// LoTA-QAF layer, and QEFT's dense 4-bit part plus its f16 weak rows in the
// same kernel (NUMERICS.md 3, 4, 5). Accumulation is f32 (compared with the
// reference within the f32 summation error bound).
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
};

struct AffineMatmulPipeline {
  Halide::Var n{"n"}, m{"m"}, k{"k"};
  Halide::RDom rk, rw;
  /// The weight, dequantized: (n, k); with QEFT's weak rows added (the
  /// transposed product only).
  Halide::Func weight{"weight"}, wholeWeight{"whole_weight"};
  /// f32 partial sums (n, m) over K (and the weak tail), and the output.
  Halide::Func product{"product"}, output{"y"};
};

/// Register tiles cover whole vectors of columns, so N must be a multiple of
/// the schedule's column panel (4 vectors for GEMV, 2 for GEMM: 64 and 32
/// columns with AVX-512; Halide checks it); x must tolerate rows past M (wrap
/// it with BoundaryConditions::repeat_edge), no other input is read out of
/// bounds. x is [M, K] as (k, m); codes [K, N] as (n, k) (u8 bit patterns in i8
/// storage); scales and zeros [K / group, N] as (n, g); weak [n_weak, N] as
/// (n, j) in f16 when options.weakRows.
AffineMatmulPipeline defineAffineMatmul(Halide::Func x, Halide::Func codes,
                                        Halide::Func scales, Halide::Func zeros,
                                        Halide::Func weak, Halide::Expr K,
                                        Halide::Expr weakRows,
                                        const AffineMatmulOptions &options);

/// The backward dX = dY W^T (plus dY Wf^T on the weak inputs for QEFT): dy is
/// [M, N] as (n, m), the weight as above, the result [M, K] as (k, m).
AffineMatmulPipeline defineAffineMatmulTransposed(
    Halide::Func dy, Halide::Func codes, Halide::Func scales,
    Halide::Func zeros, Halide::Func weak, Halide::Expr N, Halide::Expr K,
    Halide::Expr weakRows, const AffineMatmulOptions &options);
void scheduleAffineMatmulTransposedGemv(AffineMatmulPipeline &p, int lanes);
/// K must be a multiple of 2 vectors.
void scheduleAffineMatmulTransposedGemm(AffineMatmulPipeline &p, int lanes);

/// CUDA: one thread per output element.
void scheduleAffineMatmulCuda(AffineMatmulPipeline &p);
/// The transposed product (dX) on a GPU.
void scheduleAffineMatmulTransposedCuda(AffineMatmulPipeline &p);

/// 1..8 tokens: stream the codes once, dequantizing in registers.
void scheduleAffineMatmulGemv(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes);
/// More tokens: dequantize a panel of columns into cache once and reuse it
/// across register tiles of rows.
void scheduleAffineMatmulGemm(AffineMatmulPipeline &p,
                              const AffineMatmulOptions &o, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_AFFINEMATMUL_H
