//===- LinearVJPs.cpp - gradients of matmuls and linear layers ------------===//
//
// The vector-Jacobian products of qt.matmul and the method composites. Each
// builds the backward of its method as the hand-written layers of
// examples/ir spell it out, op for op and seed for seed, so the compiled
// training step and the hand-written one agree bit for bit on the reference
// backend. Forward values a backward needs (H, the merged LoTA weight, the
// forward GSE casts) are rebuilt here; qt-expand spells the forward with the
// same ops, and CSE then keeps one of each.
//
//===----------------------------------------------------------------------===//

#include "dialect/LinearBuilder.h"
#include "dialect/VerifyUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qt;

namespace {

LogicalResult rejectWanted(Operation *op, ArrayRef<bool> wanted,
                           unsigned operand, StringRef why) {
  if (!wanted[operand])
    return success();
  return op->emitOpError("has no gradient for operand #")
         << operand << ": " << why;
}

} // namespace

//===----------------------------------------------------------------------===//
// qt.matmul: C = op(A) op(B).
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                 ArrayRef<bool> wanted, SeedSource &,
                                 SmallVectorImpl<Value> &operandGrads) {
  for (unsigned i = 0; i < 2; ++i)
    if (isa<QuantizedTypeInterface>(getOperand(i).getType()) &&
        failed(rejectWanted(*this, wanted, i,
                            "quantized operands are not differentiable; "
                            "differentiate the f32 value before its cast")))
      return failure();
  LinearBuilder g(builder, getLoc());
  Value dc = resultGrads[0], a = getA(), b = getB();
  bool ta = getTransposeA(), tb = getTransposeB();
  operandGrads.assign(2, Value());
  // d op(A) = dC op(B)^T and d op(B) = op(A)^T dC; a transposed operand
  // takes the transpose of its gradient, which swaps the product.
  if (wanted[0])
    operandGrads[0] =
        ta ? g.matmul(b, dc, tb, true) : g.matmul(dc, b, false, !tb);
  if (wanted[1])
    operandGrads[1] =
        tb ? g.matmul(dc, a, true, ta) : g.matmul(a, dc, !ta, false);
  return success();
}

//===----------------------------------------------------------------------===//
// qt.linear: y = x w, or x w^T for Hugging Face's [out, in] weights (a
// model's frozen layers that no method adapts, such as lm_head).
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                 ArrayRef<bool> wanted, SeedSource &,
                                 SmallVectorImpl<Value> &operandGrads) {
  if (isa<QuantizedTypeInterface>(getWeight().getType()) &&
      failed(rejectWanted(*this, wanted, 1,
                          "a quantized weight is not differentiable")))
    return failure();
  LinearBuilder g(builder, getLoc());
  Value dy = resultGrads[0], x = getX(), w = getWeight();
  bool outIn = getWeightLayout() == WeightLayout::OutIn;
  operandGrads.assign(2, Value());
  // dX = dY w^T ([in, out]) or dY w ([out, in]); dW = x^T dY or dY^T x.
  if (wanted[0])
    operandGrads[0] = g.matmul(dy, w, false, !outIn);
  if (wanted[1])
    operandGrads[1] = outIn ? g.matmul(dy, x, true) : g.matmul(x, dy, true);
  return success();
}

//===----------------------------------------------------------------------===//
// qt.lora_linear: y = x w + s (x a) b, f32 or GSQ-Tuning.
//===----------------------------------------------------------------------===//

/// dB = s h^T dY, dH = s dY b^T, dA = x^T dH, dX = dY w^T + dH a^T
/// (examples/ir/lora_f32_layer.mlir).
static void buildLoraF32VJP(LoraLinearOp op, LinearBuilder &g, Value dy,
                            double s, ArrayRef<bool> wanted,
                            SmallVectorImpl<Value> &grads) {
  Value x = op.getX(), w = op.getWeight(), a = op.getA(), b = op.getB();
  bool needDh = wanted[0] || wanted[2];
  if (wanted[3]) {
    Value h = g.matmul(x, a);
    grads[3] = g.scale(g.matmul(h, dy, true), s);
  }
  Value dh = needDh ? g.scale(g.matmul(dy, b, false, true), s) : Value();
  if (wanted[2])
    grads[2] = g.matmul(x, dh, true);
  // dY w^T for an [in, out] weight; dY w for Hugging Face's [out, in].
  bool outIn = op.getWeightLayout() == WeightLayout::OutIn;
  if (wanted[0])
    grads[0] =
        g.add(g.matmul(dy, w, false, !outIn), g.matmul(dh, a, false, true));
}

/// Every operand cast to GSE along its reduction axis; dY cast along tokens
/// and along N, dH along tokens and along r, each with its own seed, in that
/// order (examples/ir/gsq_layer.mlir and ref::gsqLoraBackward).
static void buildGsqVJP(LoraLinearOp op, OpBuilder &builder, Value dy, double s,
                        GSQConfigAttr config, SeedSource &seeds,
                        ArrayRef<bool> wanted, SmallVectorImpl<Value> &grads) {
  Location loc = op.getLoc();
  LinearBuilder g(builder, loc);
  Value x = op.getX(), w = op.getWeight(), a = op.getA(), b = op.getB();
  Rounding r = config.getRounding(), gr = config.getGradRounding();
  auto castTo = [&](Value v, GSEType type) {
    Value seed = type.getRounding() == Rounding::Stochastic
                     ? seeds.next(builder, loc)
                     : Value();
    return g.castTo(v, type, seed);
  };
  auto gse = [&](Value v, unsigned axis, Rounding rounding) {
    return castTo(v, gsqCastType(config, shapeOf(v.getType()), axis, rounding));
  };
  auto recast = [&](Value q, unsigned axis) {
    return castTo(q, cast<GSEType>(q.getType()).withAxis(axis));
  };
  // The forward casts.
  Value xq = gse(x, 1, r), aq = gse(a, 0, r);
  Value hq = gse(g.matmul(xq, aq), 1, r), bq = gse(b, 0, r);
  // dY along tokens (for dB) and along N (for dH and dX).
  Value dyt = gse(dy, 0, gr), dyn = gse(dy, 1, gr);
  if (wanted[3])
    grads[3] = g.scale(g.matmul(recast(hq, 0), dyt, true), s);
  Value dh = g.scale(g.matmul(dyn, recast(bq, 1), false, true), s);
  Value dht = gse(dh, 0, gr);
  if (wanted[2])
    grads[2] = g.matmul(recast(xq, 0), dht, true);
  Value dhr = gse(dh, 1, gr);
  if (wanted[0]) {
    // dY w^T, the base cast along out_features: axis 1 of [in, out]; dY w
    // for [out, in], axis 0.
    bool outIn = op.getWeightLayout() == WeightLayout::OutIn;
    Value dx0 = outIn ? g.matmul(dyn, gse(w, 0, r))
                      : g.matmul(dyn, gse(w, 1, r), false, true);
    Value dx1 = g.matmul(dhr, recast(aq, 1), false, true);
    grads[0] = g.add(dx0, dx1);
  }
}

LogicalResult LoraLinearOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                     ArrayRef<bool> wanted, SeedSource &seeds,
                                     SmallVectorImpl<Value> &operandGrads) {
  if (failed(rejectWanted(*this, wanted, 1, "the base weight is frozen")))
    return failure();
  operandGrads.assign(4, Value());
  double s = loraScale(*this);
  if (std::optional<GSQConfigAttr> config = getGsq()) {
    buildGsqVJP(*this, builder, resultGrads[0], s, *config, seeds, wanted,
                operandGrads);
  } else {
    LinearBuilder g(builder, getLoc());
    buildLoraF32VJP(*this, g, resultGrads[0], s, wanted, operandGrads);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// qt.lota_linear: straight-through across the threshold (NUMERICS.md 4).
//===----------------------------------------------------------------------===//

/// Gw = x^T dY, dDW = S Gw + c P(S Gw), dA = dDW b^T, dB = a^T dDW,
/// dX = dY W_eff^T (examples/ir/lota_layer.mlir).
LogicalResult LotaLinearOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                     ArrayRef<bool> wanted, SeedSource &,
                                     SmallVectorImpl<Value> &operandGrads) {
  if (failed(rejectWanted(*this, wanted, 1, "the integer base is frozen")))
    return failure();
  LinearBuilder g(builder, getLoc());
  operandGrads.assign(4, Value());
  Value dy = resultGrads[0];
  Value weff = wanted[0] ? g.lotaMergedWeight(*this) : Value();
  if (wanted[2] || wanted[3]) {
    Value gw = g.matmul(getX(), dy, true);
    Value ddw = builder.create<LotaDeltaGradOp>(
        getLoc(), gw.getType(), gw, getWeight(),
        builder.getF32FloatAttr(getOmegaOrDefault()), getOffsetScaleAttr());
    if (wanted[2])
      operandGrads[2] = g.matmul(ddw, getB(), false, true);
    if (wanted[3])
      operandGrads[3] = g.matmul(getA(), ddw, true);
  }
  if (wanted[0])
    operandGrads[0] = g.matmul(dy, weff, false, true);
  return success();
}

//===----------------------------------------------------------------------===//
// qt.qeft_linear: y = x dense + x[:, K-n:] weak (NUMERICS.md 5).
//===----------------------------------------------------------------------===//

/// dX = dY dense^T + pad(dY weak^T), dWeak = x[:, K-n:]^T dY
/// (examples/ir/qeft_layer.mlir).
LogicalResult QeftLinearOp::buildVJP(OpBuilder &builder, ValueRange resultGrads,
                                     ArrayRef<bool> wanted, SeedSource &,
                                     SmallVectorImpl<Value> &operandGrads) {
  if (failed(rejectWanted(*this, wanted, 1, "the 4-bit dense part is frozen")))
    return failure();
  LinearBuilder g(builder, getLoc());
  Location loc = getLoc();
  operandGrads.assign(3, Value());
  Value dy = resultGrads[0];
  ArrayRef<int64_t> x = shapeOf(getX().getType());
  int64_t tokens = x[0], in = x[1], weak = shapeOf(getWeak().getType())[0];
  if (wanted[0]) {
    Value dense = g.matmul(dy, getDense(), false, true);
    Value dxWeak = g.matmul(dy, getWeak(), false, true);
    Value zero =
        builder.create<arith::ConstantOp>(loc, builder.getF32FloatAttr(0.0f));
    SmallVector<OpFoldResult> low = {builder.getIndexAttr(0),
                                     builder.getIndexAttr(in - weak)};
    SmallVector<OpFoldResult> high(2, builder.getIndexAttr(0));
    Value padded = builder.create<tensor::PadOp>(loc, dense.getType(), dxWeak,
                                                 low, high, zero);
    operandGrads[0] = g.add(dense, padded);
  }
  if (wanted[2]) {
    auto index = [&](int64_t i) -> OpFoldResult {
      return builder.getIndexAttr(i);
    };
    Value xWeak = builder.create<tensor::ExtractSliceOp>(
        loc, getX(), ArrayRef<OpFoldResult>{index(0), index(in - weak)},
        ArrayRef<OpFoldResult>{index(tokens), index(weak)},
        ArrayRef<OpFoldResult>{index(1), index(1)});
    operandGrads[2] = g.matmul(xWeak, dy, true);
  }
  return success();
}
