//===- Elementwise.h - f32 elementwise kernels ------------------*- C++ -*-===//
//
// The arith ops between matmuls (LoRA's scale, sums of gradient terms) over
// flat f32 views: one rounding per element, as the reference computes them.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_CODEGEN_HALIDE_ELEMENTWISE_H
#define QTC_CODEGEN_HALIDE_ELEMENTWISE_H

#include "Halide.h"

#include <string>

namespace qtc::halide {

/// `op` is add, sub, mul (a op b), scale (a * s) or neg (-a).
Halide::Func defineElementwise(const std::string &op, Halide::Func a,
                               Halide::Func b, Halide::Expr s);

/// arith.extf of f16 or bf16 storage to f32 (exact: every half-precision
/// value is an f32 value).
Halide::Func defineWiden(Halide::Func in);

void scheduleElementwiseCpu(Halide::Func out, int lanes);

} // namespace qtc::halide

#endif // QTC_CODEGEN_HALIDE_ELEMENTWISE_H
