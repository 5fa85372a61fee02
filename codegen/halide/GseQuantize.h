//===- GseQuantize.h - The GSE quantize algorithm ---------------*- C++ -*-===//
//
// qt.quantize to !qt.gse of a 2-D f32 tensor along either axis (NUMERICS.md
// 1), matching codegen/reference/Gse.cpp bit for bit, stochastic rounding
// included (the same counter-based hash of seed and flat element index).
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_GSEQUANTIZE_H
#define QTC_CODEGEN_HALIDE_GSEQUANTIZE_H

#include "Halide.h"

namespace qtc::halide {

enum class GseRounding { RNE, RNA, Stochastic };

struct GseQuantizeOptions {
  int axis = 1; ///< of the stored [rows, cols] tensor
  int bits = 8, group = 32, expBits = 8;
  bool ceilRule = false;
  GseRounding rounding = GseRounding::RNE;
  /// GPU schedules: a kernel cannot report an error, so the input is
  /// checked for non-finite values by a host stage (`p.guard`) before the
  /// kernels run, instead of per element. Needs the input's row count.
  bool hostCheck = false;
};

struct GseQuantizePipeline {
  Halide::Var c{"c"}, r{"r"}, g{"g"};
  /// The largest magnitude of each group and its shared exponent.
  Halide::Func amax{"amax"}, exponent{"exponent"};
  Halide::Func mantissas{"mantissas"}, exponents{"exponents"};
  /// hostCheck only: the count of non-finite inputs, and 0 once it is
  /// found to be 0 (a halide_error otherwise), read by the outputs.
  Halide::Func nonFinite{"non_finite"}, guard{"guard"};
};

/// x is the stored [rows, cols] tensor as (c, r); `seed` is read only for
/// stochastic rounding. Non-finite input fails the pipeline (halide_error
/// through require()), the run-time flag NUMERICS.md asks for; `rows` is
/// read only with options.hostCheck.
GseQuantizePipeline defineGseQuantize(Halide::Func x, Halide::Expr cols,
                                      Halide::Expr seed,
                                      const GseQuantizeOptions &options,
                                      Halide::Expr rows = Halide::Expr());

/// An NF4 tensor's f32 values as a Func (c, r) over its [rows, cols] shape,
/// without writing them anywhere: code[index] * absmax, as the reference
/// dequantizes. `codes` holds two indices per byte, low nibble first.
Halide::Func nf4Values(Halide::Func codes, Halide::Func absmax,
                       Halide::Expr cols, int block);

/// A GSE tensor's f32 values as a Func (c, r): mantissa * 2^exponent with
/// the exponent of its group along `axis`, exactly as the reference
/// dequantizes (ldexp), read on load by a requantize along the other axis.
Halide::Func gseValues(Halide::Func mantissas, Halide::Func exponents, int axis,
                       int group);

void scheduleGseQuantizeCpu(GseQuantizePipeline &p, const GseQuantizeOptions &o,
                            int lanes);
void scheduleGseQuantizeCuda(GseQuantizePipeline &p,
                             const GseQuantizeOptions &o);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_GSEQUANTIZE_H
