//===- Expand.cpp - method composites into primitive qt ops ---------------===//
//
// After expansion every op is something one kernel computes (a matmul, a
// cast, a LoTA primitive, an elementwise op), which is what qt-fuse and the
// kernel lowering consume. Each expansion matches its composite's reference
// semantics bit for bit (codegen/reference/Lora.cpp, Lota.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialect/LinearBuilder.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qt {
#define GEN_PASS_DEF_QTEXPAND
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

/// y = x w of a linear no method adapted (a frozen lm_head): one matmul,
/// transposed where the weight is stored [out, in].
struct ExpandLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    LinearBuilder g(rewriter, op.getLoc());
    bool outIn = op.getWeightLayout() == WeightLayout::OutIn;
    rewriter.replaceOp(op, g.matmul(op.getX(), op.getWeight(), false, outIn));
    return success();
  }
};

/// y = x w + s (x a) b; under GSQ every matmul operand is first cast to GSE
/// along its reduction axis (ref::gsqLoraForward).
struct ExpandLoraLinear : OpRewritePattern<LoraLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LoraLinearOp op,
                                PatternRewriter &rewriter) const override {
    LinearBuilder g(rewriter, op.getLoc());
    Value x = op.getX(), w = op.getWeight(), a = op.getA(), b = op.getB();
    if (std::optional<GSQConfigAttr> config = op.getGsq()) {
      Rounding r = config->getRounding();
      // The reference's forward casts draw seed 0 when they round
      // stochastically.
      Value seed;
      if (r == Rounding::Stochastic)
        seed = rewriter.create<arith::ConstantIntOp>(op.getLoc(), 0, 64);
      auto gse = [&](Value v, unsigned axis) {
        return g.castTo(
            v, gsqCastType(*config, *getTensorLikeShape(v.getType()), axis, r),
            seed);
      };
      // The base along in_features: axis 0 of [in, out], 1 of [out, in].
      bool outIn = op.getWeightLayout() == WeightLayout::OutIn;
      x = gse(x, 1);
      a = gse(a, 0);
      w = gse(w, outIn ? 1 : 0);
      Value h = gse(g.matmul(x, a), 1);
      b = gse(b, 0);
      Value y0 = g.matmul(x, w, false, outIn), y1 = g.matmul(h, b);
      rewriter.replaceOp(op, g.add(y0, g.scale(y1, loraScale(op))));
      return success();
    }
    Value h = g.matmul(x, a);
    bool outIn = op.getWeightLayout() == WeightLayout::OutIn;
    Value y0 = g.matmul(x, w, false, outIn), y1 = g.matmul(h, b);
    rewriter.replaceOp(op, g.add(y0, g.scale(y1, loraScale(op))));
    return success();
  }
};

/// y = x W_eff with W_eff the lossless merge (ref::lotaEffectiveWeight).
struct ExpandLotaLinear : OpRewritePattern<LotaLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LotaLinearOp op,
                                PatternRewriter &rewriter) const override {
    LinearBuilder g(rewriter, op.getLoc());
    rewriter.replaceOp(op, g.matmul(op.getX(), g.lotaMergedWeight(op)));
    return success();
  }
};

struct ExpandPass : qt::impl::QtExpandBase<ExpandPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandLinear, ExpandLoraLinear, ExpandLotaLinear>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
