//===- ScheduleThresholds.h - Where the few-row schedules win -*- C++ -*-===//
//
// The kernels with a few-row ("gemv") schedule and a GEMM one, and up to how
// many rows the former is the faster, as measured with qtc-bench on a 2-core
// AVX-512 Xeon (codegen/halide/README.md). The step code generator picks
// generator shapes by them and qtc-bench times what it would pick. No Halide
// here: the code generator does not link it.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_SCHEDULETHRESHOLDS_H
#define QTC_CODEGEN_HALIDE_SCHEDULETHRESHOLDS_H

#include <cstdint>

namespace qtc::halide {

/// GSE matmul: the GEMV form (no repacking of B) up to 2 rows; from 4 rows
/// the GEMM schedule (91 against 50 GOP/s at 4 x 4096 x 4096).
constexpr int64_t kGseGemvMaxRows = 2;

/// Affine forward: sums by groups up to 4 rows; the GEMM schedule, which
/// dequantizes a panel once for all rows, above (95 against 41 GOP/s at 8 x
/// 4096 x 4096).
constexpr int64_t kAffineGemvMaxRows = 4;

/// Affine dX: dot products in 4 x 4 tiles up to 64 rows; the GEMM schedule,
/// which transposes each dequantized panel, only wins from about 100 rows
/// (144 against 126 GOP/s at 128 x 4096 x 4096).
constexpr int64_t kAffineTransposedGemvMaxRows = 64;

/// The affine matmuls compute whole panels of output columns (4 vectors
/// for the GEMV, the FMA tiles' width for the GEMM: at most 64 columns on
/// any target). An N that is not a multiple takes the variant that reads
/// the weight clamped (clamp_columns), 3x slower for the GEMV.
constexpr int64_t kAffineColumnQuantum = 64;

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_SCHEDULETHRESHOLDS_H
