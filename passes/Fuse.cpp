//===- Fuse.cpp - primitive ops into qt.kernel regions --------------------===//
//
// Each pattern below is a producer/consumer pair that one of qtc's kernels
// computes without writing the producer to memory. Patterns only fuse a
// producer whose every use is inside the group, so no value computed in a
// kernel is needed outside it unless it is a result of the kernel.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Views.h"

#include "dialect/QtOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qt {
#define GEN_PASS_DEF_QTFUSE
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;

namespace {

struct Group {
  std::string kind;
  SmallVector<Operation *> ops;
  /// Producers the kernel recomputes rather than reads (cloned in, left in
  /// place, erased once no op reads them): the head_loss kernels each
  /// recompute the logits, so that the whole [T, V] never exists.
  SmallVector<Operation *> recomputed = {};
};

bool isTensorLike(Type type) {
  return isa<RankedTensorType, QuantizedTypeInterface>(type);
}

/// Whether `op` produces a tensor that a kernel must compute (scalar
/// arithmetic, constants and views of other tensors are not kernels).
bool needsKernel(Operation *op) {
  if (isa<arith::ConstantOp, func::ReturnOp>(op) || isView(op))
    return false;
  if (isa<GlobalNormOp>(op))
    return true; // a reduction over tensors, though its result is a scalar
  return llvm::any_of(op->getResultTypes(), isTensorLike);
}

/// `value`'s defining op if it is an OpT whose every use is by `users`.
template <typename OpT>
OpT onlyUsedBy(Value value, ArrayRef<Operation *> users) {
  auto op = value.getDefiningOp<OpT>();
  if (!op)
    return nullptr;
  for (Operation *user : op->getUsers())
    if (!llvm::is_contained(users, user))
      return nullptr;
  return op;
}

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32();
}

/// ternary_product -> masked_threshold -> lota_offset -> lota_merge.
std::optional<Group> matchLotaMerge(LotaMergeOp merge) {
  auto offset = onlyUsedBy<LotaOffsetOp>(merge.getOffset(), {merge});
  if (!offset)
    return std::nullopt;
  auto threshold =
      onlyUsedBy<MaskedThresholdOp>(merge.getStep(), {offset, merge});
  if (!threshold || offset.getStep() != threshold.getResult())
    return std::nullopt;
  auto product =
      onlyUsedBy<TernaryProductOp>(threshold.getDelta(), {threshold, offset});
  if (!product || offset.getDelta() != product.getResult() ||
      threshold.getWeight() != merge.getWeight() ||
      offset.getWeight() != merge.getWeight())
    return std::nullopt;
  return Group{"lota_merge", {product, threshold, offset, merge}};
}

/// Gw = x^T dY feeding only LoTA's straight-through dDW.
std::optional<Group> matchLotaDeltaGrad(LotaDeltaGradOp grad) {
  auto gw = onlyUsedBy<MatmulOp>(grad.getWeightGrad(), {grad});
  if (!gw || !gw.getTransposeA() || gw.getTransposeB() ||
      !isF32Tensor(gw.getA()) || !isF32Tensor(gw.getB()))
    return std::nullopt;
  return Group{"lota_delta_grad", {gw, grad}};
}

/// QEFT's dX = dY dense^T + pad(dY weak^T, low = K - n): one transposed
/// dequantize-on-load matmul with the weak rows folded in. With every input
/// weak (n = K) the pad folds away and the product is added as it is.
std::optional<Group> matchQeftGradInput(arith::AddFOp add) {
  auto pad = onlyUsedBy<tensor::PadOp>(add.getRhs(), {add});
  auto dense = onlyUsedBy<MatmulOp>(add.getLhs(), {add});
  auto weak = pad ? onlyUsedBy<MatmulOp>(pad.getSource(), {pad})
                  : onlyUsedBy<MatmulOp>(add.getRhs(), {add});
  if (!dense || !weak || dense.getA() != weak.getA() ||
      !dense.getTransposeB() || dense.getTransposeA() ||
      !weak.getTransposeB() || weak.getTransposeA() ||
      !isa<AffineType>(dense.getB().getType()))
    return std::nullopt;
  auto weakType = dyn_cast<RankedTensorType>(weak.getB().getType());
  if (!weakType || !weakType.getElementType().isF16())
    return std::nullopt;
  int64_t in = cast<RankedTensorType>(add.getType()).getShape()[1];
  if (!pad) {
    if (weakType.getShape()[0] != in)
      return std::nullopt;
    return Group{"qeft_grad_input", {dense, weak, add}};
  }
  // Zero padding on the left of the columns only: the weak rows are the
  // last n input features.
  FloatAttr padValue;
  Value constant = pad.getConstantPaddingValue();
  if (!constant || !matchPattern(constant, m_Constant(&padValue)) ||
      !padValue.getValue().isZero() ||
      pad.getStaticLow() != ArrayRef<int64_t>{0, in - weakType.getShape()[0]} ||
      pad.getStaticHigh() != ArrayRef<int64_t>{0, 0})
    return std::nullopt;
  return Group{"qeft_grad_input", {dense, weak, pad, add}};
}

/// A unit-stride slice read in place by the f32 matmul that consumes it.
std::optional<Group> matchSliceMatmul(MatmulOp matmul) {
  for (Value operand : {matmul.getA(), matmul.getB()}) {
    auto slice = onlyUsedBy<tensor::ExtractSliceOp>(operand, {matmul});
    if (slice && slice.hasUnitStride() && isF32Tensor(slice.getSource()) &&
        isF32Tensor(matmul.getA()) && isF32Tensor(matmul.getB()))
      return Group{"slice_matmul", {slice, matmul}};
  }
  return std::nullopt;
}

/// A product with a splat constant after the matmul that alone reads it:
/// the f32 and GSE matmul kernels scale their output (LoRA's s).
std::optional<Group> matchScaledMatmul(arith::MulFOp mul) {
  SplatElementsAttr splat;
  if (!matchPattern(mul.getRhs(), m_Constant(&splat)))
    return std::nullopt;
  auto matmul = onlyUsedBy<MatmulOp>(mul.getLhs(), {mul});
  if (!matmul)
    return std::nullopt;
  bool f32 = isF32Tensor(matmul.getA()) && isF32Tensor(matmul.getB());
  bool gse = isa<GSEType>(matmul.getA().getType()) &&
             isa<GSEType>(matmul.getB().getType());
  if (!f32 && !gse)
    return std::nullopt;
  return Group{"matmul_scale", {matmul, mul}};
}

/// X + [s *] (f32 product) where the sum alone reads the product (and the
/// scale): the f32 matmul adds X in its epilogue, so the product is never
/// written (LoRA's y = x W^T + s (x A) B and dx = dy W + dxa A^T).
std::optional<Group> matchMatmulAdd(arith::AddFOp add) {
  for (Value operand : {add.getRhs(), add.getLhs()}) {
    // A scaled product as matchScaledMatmul takes it, or a bare one.
    auto mul = onlyUsedBy<arith::MulFOp>(operand, {add});
    std::optional<Group> scaled = mul ? matchScaledMatmul(mul) : std::nullopt;
    if (!scaled)
      mul = nullptr;
    auto matmul = scaled ? cast<MatmulOp>(scaled->ops.front())
                         : onlyUsedBy<MatmulOp>(operand, {add});
    if (!matmul || !isF32Tensor(matmul.getA()) ||
        !isF32Tensor(matmul.getB()) || !isF32Tensor(add.getResult()) ||
        (matmul.getTransposeA() && matmul.getTransposeB()))
      continue;
    // The addend must not be the product itself (x + x).
    Value addend = operand == add.getRhs() ? add.getLhs() : add.getRhs();
    if (addend == operand)
      continue;
    if (mul)
      return Group{"matmul_scale_add", {matmul, mul, add}};
    return Group{"matmul_add", {matmul, add}};
  }
  return std::nullopt;
}

/// The dh = dlogits W after a cross-entropy gradient, if that is its only
/// reader.
MatmulOp headInputGrad(CrossEntropyGradOp grad, Value head) {
  if (!grad->hasOneUse())
    return nullptr;
  auto dh = dyn_cast<MatmulOp>(*grad->getUsers().begin());
  if (!dh || dh.getA() != grad.getResult() || dh.getB() != head ||
      dh.getTransposeA() || dh.getTransposeB())
    return nullptr;
  return dh;
}

/// logits = h W^T (an [out, in] head) read only by cross-entropy and by
/// gradients whose one reader is dh = dlogits W: then head_loss and
/// head_loss_grad both match, and together recompute every use of it.
MatmulOp matchHeadLogits(Value logits) {
  auto matmul = logits.getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getTransposeA() || !matmul.getTransposeB() ||
      !isF32Tensor(matmul.getA()) ||
      !isa<RankedTensorType>(matmul.getB().getType()))
    return nullptr;
  for (Operation *user : matmul->getUsers()) {
    auto grad = dyn_cast<CrossEntropyGradOp>(user);
    if (!isa<CrossEntropyOp>(user) &&
        !(grad && headInputGrad(grad, matmul.getB())))
      return nullptr;
  }
  return matmul;
}

/// cross_entropy(h W^T): the vocabulary in chunks, the logits recomputed.
std::optional<Group> matchHeadLoss(CrossEntropyOp loss) {
  MatmulOp logits = matchHeadLogits(loss.getLogits());
  if (!logits)
    return std::nullopt;
  return Group{"head_loss", {loss}, {logits}};
}

/// dh = cross_entropy_grad(h W^T) W, the same W: the vocabulary in chunks,
/// the logits recomputed and dlogits never whole.
std::optional<Group> matchHeadLossGrad(MatmulOp dh) {
  auto grad = dh.getA().getDefiningOp<CrossEntropyGradOp>();
  if (!grad)
    return std::nullopt;
  MatmulOp logits = matchHeadLogits(grad.getLogits());
  if (!logits || headInputGrad(grad, logits.getB()) != dh)
    return std::nullopt;
  return Group{"head_loss_grad", {grad, dh}, {logits}};
}

/// The loss and dh of one head in a kernel of their own (a training step):
/// cross_entropy(h W^T) and dh = cross_entropy_grad(h W^T) W on the same
/// labels, the loss read by nothing before dh (the kernel takes dh's place).
std::optional<Group> matchHeadLossAndGrad(MatmulOp dh) {
  std::optional<Group> gradient = matchHeadLossGrad(dh);
  if (!gradient)
    return std::nullopt;
  auto grad = cast<CrossEntropyGradOp>(gradient->ops.front());
  Operation *logits = gradient->recomputed.front();
  for (Operation *user : logits->getUsers()) {
    auto loss = dyn_cast<CrossEntropyOp>(user);
    if (!loss || loss.getLabels() != grad.getLabels() ||
        loss.getIgnoreIndex() != grad.getIgnoreIndex() ||
        loss->getBlock() != dh->getBlock() ||
        llvm::any_of(loss->getUsers(), [&](Operation *reader) {
          return reader->getBlock() != dh->getBlock() ||
                 !dh->isBeforeInBlock(reader);
        }))
      continue;
    // dloss is computed before dh; it must not be computed from the loss
    // (no reader of the loss precedes dh, checked above).
    return Group{"head_loss_and_grad", {loss, grad, dh}, {logits}};
  }
  return std::nullopt;
}

/// The kind of a kernel computing `op` alone.
std::string singleOpKind(Operation *op) {
  if (auto mul = dyn_cast<arith::MulFOp>(op)) {
    SplatElementsAttr splat;
    if (matchPattern(mul.getRhs(), m_Constant(&splat)) ||
        matchPattern(mul.getLhs(), m_Constant(&splat)))
      return "scale";
  }
  StringRef name = op->getName().stripDialect();
  if (op->getDialect() && op->getDialect()->getNamespace() == "arith")
    return llvm::StringSwitch<std::string>(name)
        .Case("addf", "add")
        .Case("subf", "sub")
        .Case("mulf", "mul")
        .Case("negf", "neg")
        .Default(name.str());
  return name.str();
}

/// Whether `value` is `op`'s result, or defined in one of its regions.
bool definedWithin(Value value, Operation *op) {
  if (Operation *def = value.getDefiningOp())
    return op->isAncestor(def);
  return op->isAncestor(value.getParentBlock()->getParentOp());
}

/// Replaces `group` by one qt.kernel computing it, placed at its last op.
void outline(const Group &group) {
  SmallVector<Operation *> ops(group.ops);
  llvm::sort(ops,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  DenseSet<Operation *> inGroup(ops.begin(), ops.end());
  SmallVector<Operation *> recomputed(group.recomputed);
  llvm::sort(recomputed,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  inGroup.insert(recomputed.begin(), recomputed.end());
  SetVector<Value> inputs;
  SetVector<Operation *> constants;
  for (Operation *op : llvm::concat<Operation *>(recomputed, ops))
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if ((def && inGroup.contains(def)) || definedWithin(operand, op))
          continue;
        if (auto constant = dyn_cast_or_null<arith::ConstantOp>(def))
          constants.insert(constant);
        else
          inputs.insert(operand);
      }
    });
  SmallVector<Value> outputs;
  for (Operation *op : ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            return !inGroup.contains(user);
          }))
        outputs.push_back(result);

  OpBuilder builder(ops.back());
  auto kernel = builder.create<KernelOp>(ops.back()->getLoc(), group.kind,
                                         ValueRange(outputs).getTypes(),
                                         inputs.getArrayRef());
  IRMapping mapping;
  Block &body = kernel.getBodyBlock();
  mapping.map(inputs.getArrayRef(), body.getArguments());
  OpBuilder inner = OpBuilder::atBlockEnd(&body);
  for (Operation *constant : constants)
    inner.clone(*constant, mapping);
  for (Operation *op : llvm::concat<Operation *>(recomputed, ops))
    inner.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value output : outputs)
    yielded.push_back(mapping.lookup(output));
  inner.create<YieldOp>(kernel.getLoc(), yielded);
  for (auto [output, result] : llvm::zip_equal(outputs, kernel.getResults()))
    output.replaceAllUsesWith(result);
  for (Operation *op : llvm::reverse(ops))
    op->erase();
}

struct FusePass : qt::impl::QtFuseBase<FusePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Group> groups;
    DenseSet<Operation *> claimed;
    // An op is computed by one kernel; a recomputed producer may be shared
    // by several (and is then claimed by none).
    DenseSet<Operation *> recomputed;
    auto claim = [&](std::optional<Group> group) {
      if (!group || llvm::any_of(group->ops, [&](Operation *op) {
            return claimed.contains(op) || recomputed.contains(op);
          }) ||
          llvm::any_of(group->recomputed,
                       [&](Operation *op) { return claimed.contains(op); }))
        return;
      claimed.insert(group->ops.begin(), group->ops.end());
      recomputed.insert(group->recomputed.begin(), group->recomputed.end());
      groups.push_back(std::move(*group));
    };
    // Fused patterns first (rooted at their consumer; none with
    // patterns=false), then one kernel per remaining tensor op. The
    // products summed in a matmul's epilogue are claimed before the walk
    // below would take a scaled product alone (matmul_scale) and leave
    // the sum to a kernel of its own.
    if (patterns)
      func.walk([&](arith::AddFOp add) {
        if (!matchQeftGradInput(add))
          claim(matchMatmulAdd(add));
      });
    // Likewise a head's loss and gradient together, before the loss alone.
    if (patterns)
      func.walk([&](MatmulOp dh) { claim(matchHeadLossAndGrad(dh)); });
    if (patterns)
      func.walk([&](Operation *op) {
        if (auto merge = dyn_cast<LotaMergeOp>(op))
          claim(matchLotaMerge(merge));
        else if (auto grad = dyn_cast<LotaDeltaGradOp>(op))
          claim(matchLotaDeltaGrad(grad));
        else if (auto add = dyn_cast<arith::AddFOp>(op))
          claim(matchQeftGradInput(add));
        else if (auto mul = dyn_cast<arith::MulFOp>(op))
          claim(matchScaledMatmul(mul));
        else if (auto loss = dyn_cast<CrossEntropyOp>(op))
          claim(matchHeadLoss(loss));
        else if (auto matmul = dyn_cast<MatmulOp>(op)) {
          claim(matchHeadLossGrad(matmul));
          claim(matchSliceMatmul(matmul));
        }
      });
    for (Operation &op : func.getBody().front())
      if (!claimed.contains(&op) && !recomputed.contains(&op) &&
          needsKernel(&op) && !isa<KernelOp>(op) &&
          !op.getParentOfType<KernelOp>())
        claim(Group{singleOpKind(&op), {&op}});
    for (const Group &group : groups)
      outline(group);
    // What the kernels recompute is read by nothing else (head_loss and
    // its gradient match together); should a reader remain, the producer
    // is computed by a kernel of its own too.
    for (Operation *op : recomputed) {
      if (op->use_empty())
        op->erase();
      else
        outline(Group{singleOpKind(op), {op}});
    }
    // Constants now live inside the kernels that read them.
    for (Operation &op : llvm::make_early_inc_range(func.getBody().front()))
      if (isa<arith::ConstantOp>(op) && op.use_empty())
        op.erase();
  }
};

} // namespace
