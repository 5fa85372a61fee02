//===- SelectKernels.cpp - each qt.kernel's registry kernel, in the IR ----===//
//
// The decision of which Halide kernel computes a fused qt.kernel, and with
// which generator parameters, is made here and written into the IR as
// `calls #qt.ukernel<"generator", {params}>` (as IREE selects its
// ukernels): the kernel registry entry, and schedule variants chosen from
// static shapes (the GEMV forms by row count, the clamped affine weight
// where N is not a multiple of the column quantum). The step code generator
// only binds arguments to what is chosen. A kernel no registry entry
// computes is an error here, located at the op.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "codegen/halide/ScheduleThresholds.h"
#include "codegen/registry/KernelRegistry.h"
#include "dialect/QtOps.h"

#include "mlir/IR/Matchers.h"

#include <map>

namespace mlir::qt {
#define GEN_PASS_DEF_QTSELECTKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::qt

using namespace mlir;
using namespace mlir::qt;
namespace kr = qtc::kernels;

namespace {

/// A registry kernel and the parameters that differ from its defaults.
struct Choice {
  std::string generator;
  std::map<std::string, std::string> settings;
};

std::string boolSetting(bool value) { return value ? "true" : "false"; }

/// The body's ops that compute something (constants are cloned inputs).
SmallVector<Operation *> computeOps(KernelOp kernel) {
  SmallVector<Operation *> ops;
  for (Operation &op : kernel.getBodyBlock().without_terminator())
    if (!isa<arith::ConstantOp>(op))
      ops.push_back(&op);
  return ops;
}

bool isF32OrTernary(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return isa<TernaryType>(t) || (tensor && tensor.getElementType().isF32());
}

/// How a float tensor (f32, f16, bf16) is stored, if it is one.
std::optional<kr::StorageFloat> storageFloatOf(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor)
    return std::nullopt;
  Type e = tensor.getElementType();
  if (e.isF32())
    return kr::StorageFloat::F32;
  if (e.isF16())
    return kr::StorageFloat::F16;
  if (e.isBF16())
    return kr::StorageFloat::BF16;
  return std::nullopt;
}

bool isF32Matrix(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && tensor.getRank() == 2 && tensor.getElementType().isF32();
}

/// The element type of token ids or labels [tokens], if they are i32 or
/// i64.
std::optional<kr::IdType> idTypeOf(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || tensor.getRank() != 1)
    return std::nullopt;
  if (tensor.getElementType().isSignlessInteger(32))
    return kr::IdType::I32;
  if (tensor.getElementType().isSignlessInteger(64))
    return kr::IdType::I64;
  return std::nullopt;
}

/// The layout kernels' element type of a 2-D tensor type: f32
/// activations, i32 or i64 token ids and labels.
std::optional<kr::LayoutType> layoutTypeOf(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || tensor.getRank() != 2)
    return std::nullopt;
  Type e = tensor.getElementType();
  if (e.isF32())
    return kr::LayoutType::F32;
  if (e.isSignlessInteger(32))
    return kr::LayoutType::I32;
  if (e.isSignlessInteger(64))
    return kr::LayoutType::I64;
  return std::nullopt;
}

/// x times an affine weight (or dY times its transpose), optionally with
/// QEFT's weak rows.
FailureOr<Choice> selectAffine(Operation *op, AffineType affine, int64_t rows,
                               bool weak, bool transposed) {
  if (affine.getGIdx())
    return op->emitOpError("has no kernel for an affine weight ")
           << affine << " (g_idx is not generated yet)";
  int64_t gemvRows = transposed ? qtc::halide::kAffineTransposedGemvMaxRows
                                : qtc::halide::kAffineGemvMaxRows;
  int64_t columns = affine.getShape()[1];
  return Choice{
      "affine_matmul",
      {{"group", std::to_string(affine.getGroup())},
       {"zero", stringifyZeroForm(affine.getZero()).str()},
       {"weak_rows", boolSetting(weak)},
       {"shape", rows <= gemvRows ? "gemv" : "gemm"},
       {"transposed", boolSetting(transposed)},
       {"clamp_columns",
        boolSetting(columns % qtc::halide::kAffineColumnQuantum != 0)}}};
}

/// qt.matmul, with a fused scale epilogue or not.
FailureOr<Choice> selectMatmul(MatmulOp matmul, bool epilogueScale,
                               bool epilogueAdd = false) {
  Type aType = matmul.getA().getType(), bType = matmul.getB().getType();
  bool ta = matmul.getTransposeA(), tb = matmul.getTransposeB();
  // B may also be f16 or bf16 (QEFT's weak rows when their product is not
  // fused; a checkpoint's half-precision weights).
  std::optional<kr::StorageFloat> bStorage = storageFloatOf(bType);
  if (isF32OrTernary(aType) &&
      (isa<TernaryType>(bType) || bStorage.has_value()) && !(ta && tb))
    return Choice{"f32_matmul",
                  {{"transpose_a", boolSetting(ta)},
                   {"transpose_b", boolSetting(tb)},
                   {"ternary_a", boolSetting(isa<TernaryType>(aType))},
                   {"ternary_b", boolSetting(isa<TernaryType>(bType))},
                   {"b_type", kr::enumName(
                                  bStorage.value_or(kr::StorageFloat::F32))},
                   {"epilogue_scale", boolSetting(epilogueScale)},
                   {"epilogue_add", boolSetting(epilogueAdd)}}};
  if (epilogueAdd)
    return matmul.emitOpError("has no kernel that adds to its product for "
                              "operands ")
           << aType << " and " << bType;
  auto gseA = dyn_cast<GSEType>(aType), gseB = dyn_cast<GSEType>(bType);
  if (gseA && gseB && !(ta && tb) && gseA.getBits() <= 8 &&
      gseB.getBits() <= 8) {
    bool wideInt = matmul.getAccumulate() == Accumulation::WideInt;
    // The GEMV form (no repacking of B) for X W^T with f32 accumulation at
    // a few rows; it reassociates the f32 sum, within NUMERICS.md's
    // tolerance for f32 accumulation.
    bool gemv = !wideInt && !ta && tb && !epilogueScale &&
                gseA.getShape()[0] <= qtc::halide::kGseGemvMaxRows;
    return Choice{"gse_matmul",
                  {{"group", std::to_string(gseA.getGroup())},
                   {"accumulate", wideInt ? "wide_int" : "f32"},
                   {"transpose_a", boolSetting(ta)},
                   {"transpose_b", boolSetting(tb)},
                   {"shape", gemv ? "gemv" : "gemm"},
                   {"epilogue_scale", boolSetting(epilogueScale)}}};
  }
  auto affine = dyn_cast<AffineType>(bType);
  auto x = dyn_cast<RankedTensorType>(aType);
  if (affine && x && x.getElementType().isF32() && !ta && !epilogueScale)
    return selectAffine(matmul, affine, x.getShape()[0], /*weak=*/false, tb);
  return matmul.emitOpError("has no kernel for operands ")
         << aType << (ta ? " (transposed)" : "") << " and " << bType
         << (tb ? " (transposed)" : "");
}

/// The GSE casts: from f32, from GSE along another axis, from NF4.
FailureOr<Choice> selectCast(Operation *cast) {
  auto type = llvm::cast<GSEType>(cast->getResult(0).getType());
  Type from = cast->getOperand(0).getType();
  std::map<std::string, std::string> format = {
      {"axis", std::to_string(type.getAxis())},
      {"bits", std::to_string(type.getBits())},
      {"group", std::to_string(type.getGroup())},
      {"exp_bits", std::to_string(type.getExpBits())},
      {"exp_rule", stringifyExpRule(type.getExpRule()).str()},
      {"rounding", stringifyRounding(type.getRounding()).str()}};
  if (isa<RankedTensorType>(from))
    return Choice{"gse_quantize", format};
  if (auto gse = dyn_cast<GSEType>(from)) {
    format["from_axis"] = std::to_string(gse.getAxis());
    format["from_group"] = std::to_string(gse.getGroup());
    return Choice{"gse_requantize", format};
  }
  if (auto nf4 = dyn_cast<NF4Type>(from)) {
    if (type.getBits() != 8 || type.getExpBits() != 8 ||
        type.getExpRule() != ExpRule::Floor ||
        type.getRounding() != Rounding::RNE)
      return cast->emitOpError("has no kernel casting NF4 to ") << type;
    return Choice{"nf4_to_gse",
                  {{"block", std::to_string(nf4.getBlock())},
                   {"axis", std::to_string(type.getAxis())},
                   {"group", std::to_string(type.getGroup())}}};
  }
  return cast->emitOpError("has no kernel casting ") << from << " to " << type;
}

FailureOr<Choice> selectElementwise(Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (!type.getElementType().isF32())
    return op->emitOpError("has no kernel for element type ")
           << type.getElementType();
  if (auto mul = dyn_cast<arith::MulFOp>(op)) {
    SplatElementsAttr splat;
    if (matchPattern(mul.getRhs(), m_Constant(&splat)))
      return Choice{"elementwise", {{"op", "scale"}}};
  }
  StringRef name = isa<arith::AddFOp>(op)   ? "add"
                   : isa<arith::SubFOp>(op) ? "sub"
                   : isa<arith::MulFOp>(op) ? "mul"
                   : isa<arith::NegFOp>(op) ? "neg"
                                            : "";
  if (name.empty())
    return op->emitOpError("has no elementwise kernel");
  return Choice{"elementwise", {{"op", name.str()}}};
}

/// The LoTA stages' kernels take dW as i32 (what qt-expand builds) and a
/// base with contiguous groups and integer or scaled zeros.
LogicalResult checkLotaStage(Operation *op) {
  if (!isa<TernaryProductOp, MaskedThresholdOp, LotaOffsetOp, LotaMergeOp>(op))
    return success();
  for (Value v : op->getOperands())
    if (auto affine = dyn_cast<AffineType>(v.getType());
        affine && (affine.getZero() == ZeroForm::Float || affine.getGIdx()))
      return op->emitOpError("has no kernel for a base weight ")
             << affine
             << " (the LoTA stages take integer or scaled zeros and "
                "contiguous groups)";
  Value delta = isa<TernaryProductOp>(op) ? op->getResult(0)
                : isa<LotaMergeOp>(op)    ? Value()
                                          : op->getOperand(0);
  if (delta &&
      !cast<RankedTensorType>(delta.getType()).getElementType().isInteger(32))
    return op->emitOpError("has no kernel for dW of type ")
           << delta.getType() << " (the LoTA stages take i32)";
  return success();
}

FailureOr<Choice> select(KernelOp kernel) {
  SmallVector<Operation *> ops = computeOps(kernel);
  if (ops.empty())
    return kernel.emitOpError("computes nothing");
  StringRef kind = kernel.getKind();
  Operation *root = ops.back();
  // The fused LoTA groups (a single-op kernel of the same name is below).
  if (kind == "lota_merge" && ops.size() > 1) {
    auto merge = cast<LotaMergeOp>(root);
    auto offset = merge.getOffset().getDefiningOp<LotaOffsetOp>();
    auto weight = cast<AffineType>(merge.getWeight().getType());
    return Choice{"lota_merge",
                  {{"bits", std::to_string(weight.getBits())},
                   {"group", std::to_string(weight.getGroup())},
                   {"offset_scale",
                    stringifyOffsetScale(offset.getOffsetScale()).str()},
                   {"zero", stringifyZeroForm(weight.getZero()).str()}}};
  }
  if (kind == "lota_delta_grad" && ops.size() > 1) {
    auto grad = cast<LotaDeltaGradOp>(root);
    auto weight = cast<AffineType>(grad.getWeight().getType());
    return Choice{"f32_matmul",
                  {{"transpose_a", "true"},
                   {"lota_delta_grad", "true"},
                   {"group", std::to_string(weight.getGroup())}}};
  }
  if (kind == "qeft_grad_input") {
    auto dense = cast<arith::AddFOp>(root).getLhs().getDefiningOp<MatmulOp>();
    auto dy = cast<RankedTensorType>(dense.getA().getType());
    return selectAffine(kernel, cast<AffineType>(dense.getB().getType()),
                        dy.getShape()[0], /*weak=*/true, /*transposed=*/true);
  }
  if (kind == "head_loss" || kind == "head_loss_grad" ||
      kind == "head_loss_and_grad") {
    // The logits matmul recomputed first, then the loss, or the gradient
    // and dh.
    auto logits = dyn_cast<MatmulOp>(ops.front());
    std::optional<kr::StorageFloat> head =
        logits ? storageFloatOf(logits.getB().getType()) : std::nullopt;
    Value labels;
    for (Operation *op : ops) {
      if (auto loss = dyn_cast<CrossEntropyOp>(op))
        labels = loss.getLabels();
      else if (auto grad = dyn_cast<CrossEntropyGradOp>(op))
        labels = grad.getLabels();
    }
    std::optional<kr::IdType> ids =
        labels ? idTypeOf(labels.getType()) : std::nullopt;
    if (!head || !ids || cast<RankedTensorType>(logits.getB().getType())
                                 .getRank() != 2)
      return kernel.emitOpError("has no kernel: ")
             << kind << " takes a 2-D f32, f16 or bf16 head and i32 or i64 "
                        "labels";
    if (kind == "head_loss")
      return Choice{"head_loss",
                    {{"b_type", kr::enumName(*head)},
                     {"labels", kr::enumName(*ids)}}};
    return Choice{"head_loss_grad",
                  {{"b_type", kr::enumName(*head)},
                   {"labels", kr::enumName(*ids)},
                   {"with_loss", boolSetting(kind == "head_loss_and_grad")}}};
  }
  if (kind == "slice_matmul") {
    auto slice = cast<tensor::ExtractSliceOp>(ops.front());
    auto matmul = cast<MatmulOp>(root);
    auto source = cast<RankedTensorType>(slice.getSource().getType());
    // Read in place as whole rows of a column range.
    if (slice.getResult() != matmul.getA() ||
        slice.getStaticOffsets()[0] != 0 ||
        slice.getStaticSizes()[0] != source.getShape()[0] ||
        !isa<RankedTensorType>(matmul.getB().getType()))
      return kernel.emitOpError("has no kernel for this slice");
    return selectMatmul(matmul, /*epilogueScale=*/false);
  }
  if (kind == "matmul_scale") {
    auto mul = cast<arith::MulFOp>(root);
    SplatElementsAttr splat;
    if (!matchPattern(mul.getRhs(), m_Constant(&splat)))
      return kernel.emitOpError("has no splat scale");
    return selectMatmul(cast<MatmulOp>(ops.front()), /*epilogueScale=*/true);
  }
  if (kind == "matmul_add" || kind == "matmul_scale_add") {
    bool scaled = kind == "matmul_scale_add";
    if (!isa<arith::AddFOp>(root) || ops.size() != (scaled ? 3u : 2u) ||
        !isa<MatmulOp>(ops.front()) ||
        (scaled && !isa<arith::MulFOp>(ops[1])))
      return kernel.emitOpError("of kind '") << kind << "' is not " <<
             (scaled ? "a matmul, a scale and an add" : "a matmul and an add");
    return selectMatmul(cast<MatmulOp>(ops.front()), scaled,
                        /*epilogueAdd=*/true);
  }
  if (ops.size() != 1)
    return kernel.emitOpError("of kind '") << kind << "' has no kernel";
  if (auto matmul = dyn_cast<MatmulOp>(root))
    return selectMatmul(matmul, /*epilogueScale=*/false);
  if (isa<QuantizeOp, RequantizeOp>(root) &&
      isa<GSEType>(root->getResult(0).getType()))
    return selectCast(root);
  if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::NegFOp>(root))
    return selectElementwise(root);
  if (auto adamw = dyn_cast<AdamWOp>(root)) {
    auto param = cast<RankedTensorType>(adamw.getParam().getType());
    return Choice{
        "adamw",
        {{"param_type", param.getElementType().isF16() ? "f16" : "f32"}}};
  }
  if (isa<TSignSGDOp>(root))
    return Choice{"tsign_sgd", {}};
  if (failed(checkLotaStage(root)))
    return failure();
  if (isa<TernaryProductOp>(root))
    return Choice{"ternary_product", {}};
  if (auto threshold = dyn_cast<MaskedThresholdOp>(root))
    return Choice{
        "masked_threshold",
        {{"bits",
          std::to_string(
              cast<AffineType>(threshold.getWeight().getType()).getBits())}}};
  if (auto offset = dyn_cast<LotaOffsetOp>(root))
    return Choice{
        "lota_offset",
        {{"group",
          std::to_string(
              cast<AffineType>(offset.getWeight().getType()).getGroup())},
         {"offset_scale",
          stringifyOffsetScale(offset.getOffsetScale()).str()}}};
  if (auto merge = dyn_cast<LotaMergeOp>(root))
    return Choice{"lota_apply",
                  {{"zero", stringifyZeroForm(merge.getWeight().getType()
                                                  .getZero())
                                .str()}}};
  if (auto grad = dyn_cast<LotaDeltaGradOp>(root))
    return Choice{
        "lota_delta_grad",
        {{"group",
          std::to_string(
              cast<AffineType>(grad.getWeight().getType()).getGroup())}}};
  if (auto pad = dyn_cast<tensor::PadOp>(root)) {
    // A constant pad value and static lows (the highs follow from the
    // result's shape).
    std::optional<kr::LayoutType> type =
        layoutTypeOf(pad.getSource().getType());
    Value constant = pad.getConstantPaddingValue();
    if (!type || !constant || !matchPattern(constant, m_Constant()) ||
        ShapedType::isDynamicShape(pad.getStaticLow()))
      return root->emitOpError("has no kernel: the generic pad takes a 2-D "
                               "f32, i32 or i64 tensor, static lows and a "
                               "constant value");
    return Choice{"pad", {{"type", kr::enumName(*type)}}};
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(root)) {
    std::optional<kr::LayoutType> type =
        layoutTypeOf(slice.getSource().getType());
    if (!type || !layoutTypeOf(slice.getType()) ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
        ShapedType::isDynamicShape(slice.getStaticStrides()))
      return root->emitOpError(
          "has no kernel: the generic slice takes a 2-D f32, i32 or i64 "
          "tensor to a 2-D one with static offsets and strides");
    auto source = cast<RankedTensorType>(slice.getSource().getType());
    auto result = cast<RankedTensorType>(slice.getType());
    for (int d = 0; d < 2; ++d) {
      int64_t last = slice.getStaticOffsets()[d] +
                     (result.getShape()[d] - 1) * slice.getStaticStrides()[d];
      if (slice.getStaticOffsets()[d] < 0 || last >= source.getShape()[d])
        return root->emitOpError("reads dimension ")
               << d << " of its source at " << last << ", past its extent "
               << source.getShape()[d];
    }
    return Choice{"slice", {{"type", kr::enumName(*type)}}};
  }
  if (isa<GlobalNormOp>(root))
    return Choice{"sum_of_squares", {}};
  // Model ops: the kernels read [tokens, width] rows.
  if (isa<RMSNormOp, RMSNormGradOp>(root)) {
    if (!isF32Matrix(root->getOperand(0).getType()))
      return root->emitOpError("has no kernel: the rmsnorm kernels take a "
                               "static 2-D f32 [tokens, width]");
    return Choice{isa<RMSNormOp>(root) ? "rmsnorm" : "rmsnorm_grad", {}};
  }
  if (isa<SwiGLUOp>(root))
    return Choice{"swiglu", {}};
  if (auto extf = dyn_cast<arith::ExtFOp>(root)) {
    std::optional<kr::StorageFloat> from =
        storageFloatOf(extf.getIn().getType());
    if (!from || *from == kr::StorageFloat::F32 ||
        storageFloatOf(extf.getType()) != kr::StorageFloat::F32)
      return root->emitOpError("has no kernel: the widen kernel takes an "
                               "f16 or bf16 tensor to f32");
    return Choice{"widen", {{"from", kr::enumName(*from)}}};
  }
  if (auto rope = dyn_cast<RopeOp>(root)) {
    if (rope.getPositions())
      return root->emitOpError("has no kernel: the rope kernel takes "
                               "positions t mod seq_len, not a positions "
                               "operand");
    return Choice{"rope", {}};
  }
  if (isa<AttentionOp>(root))
    return Choice{"attention", {}};
  if (isa<AttentionGradOp>(root))
    return Choice{"attention_grad", {}};
  if (isa<BiasAddOp, RowSumOp>(root)) {
    if (!isF32Matrix(root->getOperand(0).getType()))
      return root->emitOpError("has no kernel: it takes a static 2-D f32 "
                               "[tokens, width]");
    return Choice{isa<BiasAddOp>(root) ? "bias_add" : "row_sum", {}};
  }
  if (isa<EmbeddingOp, EmbeddingGradOp>(root)) {
    Value ids = isa<EmbeddingOp>(root) ? cast<EmbeddingOp>(root).getIds()
                                       : cast<EmbeddingGradOp>(root).getIds();
    std::optional<kr::IdType> type = idTypeOf(ids.getType());
    if (!type)
      return root->emitOpError("has no kernel: the embedding kernels take "
                               "i32 or i64 ids [tokens]");
    return Choice{isa<EmbeddingOp>(root) ? "embedding" : "embedding_grad",
                  {{"ids", kr::enumName(*type)}}};
  }
  if (isa<CrossEntropyOp, CrossEntropyGradOp>(root)) {
    std::optional<kr::IdType> type = idTypeOf(root->getOperand(1).getType());
    if (!type)
      return root->emitOpError("has no kernel: the cross-entropy kernels "
                               "take i32 or i64 labels [tokens]");
    return Choice{isa<CrossEntropyOp>(root) ? "cross_entropy"
                                            : "cross_entropy_grad",
                  {{"labels", kr::enumName(*type)}}};
  }
  if (isa<SwiGLUGradOp>(root))
    return Choice{"swiglu_grad", {}};
  if (auto qeft = dyn_cast<QeftLinearOp>(root)) {
    auto x = cast<RankedTensorType>(qeft.getX().getType());
    return selectAffine(root, cast<AffineType>(qeft.getDense().getType()),
                        x.getShape()[0], /*weak=*/true, /*transposed=*/false);
  }
  return root->emitOpError("has no generated kernel yet");
}

/// The attribute of a choice: every parameter of the entry, typed.
FailureOr<UKernelAttr> attributeOf(KernelOp kernel, const Choice &choice) {
  const kr::Kernel *entry = kr::lookup(choice.generator);
  std::string error;
  std::optional<kr::ParamValues> values =
      entry ? entry->resolve(choice.settings, &error) : std::nullopt;
  if (!values)
    return kernel.emitOpError("selects an invalid kernel: ")
           << (entry ? error : "no entry " + choice.generator);
  Builder b(kernel.getContext());
  SmallVector<NamedAttribute> params;
  for (const kr::Param &p : entry->params) {
    Attribute value;
    switch (p.kind) {
    case kr::ParamKind::Bool:
      value = b.getBoolAttr(values->getBool(p.name));
      break;
    case kr::ParamKind::Int:
      value = b.getI64IntegerAttr(values->getInt(p.name));
      break;
    case kr::ParamKind::Enum:
      value = b.getStringAttr(values->raw(p.name));
      break;
    }
    params.push_back(b.getNamedAttr(p.name, value));
  }
  return UKernelAttr::get(kernel.getContext(), choice.generator,
                          b.getDictionaryAttr(params));
}

struct SelectKernelsPass : qt::impl::QtSelectKernelsBase<SelectKernelsPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([&](KernelOp kernel) {
      FailureOr<Choice> choice = select(kernel);
      if (failed(choice))
        return WalkResult::interrupt();
      FailureOr<UKernelAttr> attr = attributeOf(kernel, *choice);
      if (failed(attr))
        return WalkResult::interrupt();
      kernel.setUkernelAttr(*attr);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
