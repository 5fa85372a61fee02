//===- LinearBuilder.h - building matmul-shaped qt IR -----------*- C++ -*-===//
//
// What the method composites' expansions (qt-expand) and their gradients
// (DifferentiableOpInterface) both build: matmuls with inferred result
// shapes, LoRA scales, GSE casts and LoTA's merged weight. Both sides build
// the same forward values the same way, so CSE merges what the backward
// rebuilds with what the forward computed.
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_LINEARBUILDER_H
#define QT_DIALECT_LINEARBUILDER_H

#include "dialect/QtOps.h"

namespace mlir::qt {

class LinearBuilder {
public:
  LinearBuilder(OpBuilder &builder, Location loc)
      : builder(builder), loc(loc) {}

  /// op(lhs) op(rhs) in f32; the operands may be plain or quantized.
  Value matmul(Value lhs, Value rhs, bool transposeA = false,
               bool transposeB = false);

  /// value * s, s an f32 splat constant of value's shape.
  Value scale(Value value, double s);

  Value add(Value lhs, Value rhs);

  /// A cast of `value` (f32: qt.quantize, quantized: qt.requantize) to
  /// `type`; `seed` is required exactly when `type` rounds stochastically.
  Value castTo(Value value, GSEType type, Value seed = Value());

  /// LoTA's merged weight of `op`: ternary product, threshold, offset and
  /// lota_merge into an `!qt.affine<..., zero = float>`.
  Value lotaMergedWeight(LotaLinearOp op);

private:
  OpBuilder &builder;
  Location loc;
};

/// The GSE format of GSQ's cast of a [shape] operand grouped along `axis`.
GSEType gsqCastType(GSQConfigAttr config, ArrayRef<int64_t> shape,
                    unsigned axis, Rounding rounding);

/// LoRA's scale s = alpha / rank, rounded to f32 as the reference does.
double loraScale(LoraLinearOp op);

} // namespace mlir::qt

#endif // QT_DIALECT_LINEARBUILDER_H
