//===- TSignSgd.h - LoTA-QAF's t-SignSGD with a selection quantile --------===//
//
// One t-SignSGD step on a ternary tensor (NUMERICS.md 4). The thresholds are
// quantiles of |g| found by radix selection on the f32 bit patterns (11-,
// 11- and 10-bit digit histograms per order statistic, the first shared by
// all of them; no sort), interpolated in f64 exactly as
// codegen/reference/Optimizer.cpp does, so the step matches the reference
// bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_TSIGNSGD_H
#define QTC_CODEGEN_HALIDE_TSIGNSGD_H

#include "Halide.h"

namespace qtc::halide {

struct TSignSgdPipeline {
  Halide::Var i{"i"};
  /// Scalars: the lower and upper thresholds (f32).
  Halide::Func threshold{"threshold"}, upper{"upper"};
  Halide::Func param{"new_param"};
  /// The histograms and scans of the radix selections: those of the
  /// threshold (and the first digit's histogram, which all share), and those
  /// of the upper cut, needed only when `upperCut` holds.
  std::vector<Halide::Func> selectionFuncs, upperFuncs;
  Halide::Expr upperCut;
};

/// param (i8 ternary) and grad (f32) as flat tensors of `count` elements;
/// step t in 1..T, the global gradient norm (f32). Non-finite gradients fail
/// the pipeline.
TSignSgdPipeline defineTSignSgd(Halide::Func param, Halide::Func grad,
                                Halide::Expr count, Halide::Expr step,
                                Halide::Expr totalSteps, Halide::Expr gradNorm);

void scheduleTSignSgdCpu(TSignSgdPipeline &p, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_TSIGNSGD_H
