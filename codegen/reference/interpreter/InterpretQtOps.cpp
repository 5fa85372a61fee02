//===- InterpretQtOps.cpp - qt ops on the reference numerics --------------===//
//
// One handler per op, each a direct call into codegen/reference: the
// interpreter adds no numerics of its own, only the mapping from IR values
// and attributes to the library's arguments.
//
//===----------------------------------------------------------------------===//
#include "codegen/reference/Lora.h"
#include "codegen/reference/Lota.h"
#include "codegen/reference/Matmul.h"
#include "codegen/reference/Model.h"
#include "codegen/reference/Optimizer.h"
#include "codegen/reference/Qeft.h"
#include "codegen/reference/interpreter/InterpreterFrame.h"
#include "dialect/QtOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::qt {

using qtc::Status;
namespace ref = qtc::ref;

std::vector<int64_t> InterpreterFrame::ints(Value value) const {
  return std::visit(
      [](const auto &v) -> std::vector<int64_t> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Array<int8_t>> ||
                      std::is_same_v<V, Array<int16_t>> ||
                      std::is_same_v<V, Array<int32_t>> ||
                      std::is_same_v<V, Array<int64_t>> ||
                      std::is_same_v<V, Array<uint8_t>>)
          return std::vector<int64_t>(v.data.begin(), v.data.end());
        else
          return {};
      },
      get(value));
}

namespace {

ref::OffsetScale offsetScaleOf(OffsetScale scale) {
  return scale == OffsetScale::One ? ref::OffsetScale::One
                                   : ref::OffsetScale::InvOmega;
}

ref::ZeroForm zeroFormOf(ZeroForm zero) {
  return zero == ZeroForm::Float    ? ref::ZeroForm::Float
         : zero == ZeroForm::Scaled ? ref::ZeroForm::Scaled
                                    : ref::ZeroForm::Int;
}

uint64_t seedOf(const InterpreterFrame &frame, Value seed) {
  return seed ? static_cast<uint64_t>(frame.scalarInt(seed)) : 0;
}

/// An i32 array as the integer element type of `type`.
RuntimeValue intsAs(Type type, const Array<int32_t> &values) {
  Type element = cast<RankedTensorType>(type).getElementType();
  if (element.isInteger(8))
    return ref::convert<int8_t>(values);
  if (element.isInteger(16))
    return ref::convert<int16_t>(values);
  return values;
}

Array<int32_t> int32s(const InterpreterFrame &frame, Value value) {
  std::vector<int64_t> wide = frame.ints(value);
  auto shape = cast<RankedTensorType>(value.getType()).getShape();
  Array<int32_t> out(qtc::Shape(shape.begin(), shape.end()));
  for (size_t i = 0; i < wide.size(); ++i)
    out[i] = static_cast<int32_t>(wide[i]);
  return out;
}

Status quantizeTo(Type resultType, const Array<float> &x, uint64_t seed,
                  RuntimeValue &out) {
  return llvm::TypeSwitch<Type, Status>(resultType)
      .Case([&](GSEType gse) -> Status {
        ref::GseTensor q;
        QTC_RETURN_IF_ERROR(
            ref::quantizeGse(x, gse.getAxis(), gseFormatOf(gse), seed, q));
        out = std::move(q);
        return Status::success();
      })
      .Case([&](NF4Type nf4) -> Status {
        ref::Nf4Tensor q;
        QTC_RETURN_IF_ERROR(ref::quantizeNf4(x, nf4.getBlock(), q));
        out = std::move(q);
        return Status::success();
      })
      .Case([&](AffineType affine) -> Status {
        if (affine.getZero() != ZeroForm::Int || affine.getGIdx())
          return Status::error(
              "round-to-nearest quantization produces integer zeros without "
              "g_idx; got a result type asking for other storage");
        ref::AffineTensor q;
        QTC_RETURN_IF_ERROR(
            ref::quantizeAffine(x, affine.getBits(), affine.getGroup(), q));
        out = std::move(q);
        return Status::success();
      })
      .Case([&](TernaryType) -> Status {
        Array<int8_t> t;
        QTC_RETURN_IF_ERROR(ref::ternarize(x, t));
        out = std::move(t);
        return Status::success();
      })
      .Default([](Type) { return Status::error("not a quantized type"); });
}

const ref::AffineTensor &affineOf(const InterpreterFrame &frame, Value value) {
  return std::get<ref::AffineTensor>(frame.get(value));
}

Status checkIndices(const std::vector<int64_t> &indices, int64_t bound,
                    const char *what) {
  for (size_t i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || indices[i] >= bound)
      return Status::error(std::string(what) + "[" + std::to_string(i) +
                           "] = " + std::to_string(indices[i]) +
                           " is outside [0, " + std::to_string(bound) + ")");
  return Status::success();
}

/// permute and gather on f32 or f16 tensors.
template <typename Fn>
RuntimeValue onFloatTensor(const RuntimeValue &input, Fn fn) {
  if (auto *half = std::get_if<Array<qtc::Half>>(&input))
    return fn(*half);
  return fn(std::get<Array<float>>(input));
}

Status run(QuantizeOp op, InterpreterFrame &frame) {
  RuntimeValue q;
  QTC_RETURN_IF_ERROR(quantizeTo(op.getType(), frame.f32(op.getInput()),
                                 seedOf(frame, op.getSeed()), q));
  frame.set(op.getResult(), std::move(q));
  return Status::success();
}

Status run(RequantizeOp op, InterpreterFrame &frame) {
  RuntimeValue q;
  QTC_RETURN_IF_ERROR(quantizeTo(op.getType(), frame.f32(op.getInput()),
                                 seedOf(frame, op.getSeed()), q));
  frame.set(op.getResult(), std::move(q));
  return Status::success();
}

Status run(DequantizeOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(), frame.f32(op.getInput()));
  return Status::success();
}

Status run(PackOp op, InterpreterFrame &frame) {
  SmallVector<RuntimeValue> storage;
  for (Value v : op.getStorage())
    storage.push_back(frame.get(v));
  RuntimeValue q;
  QTC_RETURN_IF_ERROR(packStorage(op.getType(), storage, q));
  frame.set(op.getResult(), std::move(q));
  return Status::success();
}

Status run(UnpackOp op, InterpreterFrame &frame) {
  SmallVector<RuntimeValue> storage =
      unpackStorage(op.getInput().getType(), frame.get(op.getInput()));
  for (auto [result, value] : llvm::zip(op.getStorage(), storage))
    frame.set(result, std::move(value));
  return Status::success();
}

Status run(MatmulOp op, InterpreterFrame &frame) {
  const RuntimeValue &a = frame.get(op.getA()), &b = frame.get(op.getB());
  auto *ga = std::get_if<ref::GseTensor>(&a);
  auto *gb = std::get_if<ref::GseTensor>(&b);
  if (ga && gb) {
    frame.set(op.getResult(),
              ref::gseMatmul(*ga, op.getTransposeA(), *gb, op.getTransposeB(),
                             op.getAccumulate() == Accumulation::WideInt
                                 ? ref::Accumulation::WideInt
                                 : ref::Accumulation::F32));
    return Status::success();
  }
  frame.set(op.getResult(),
            ref::matmul(frame.f32(op.getA()), op.getTransposeA(),
                        frame.f32(op.getB()), op.getTransposeB()));
  return Status::success();
}

Status run(LinearOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::matmul(frame.f32(op.getX()), false, frame.f32(op.getWeight()),
                        op.getWeightLayout() == WeightLayout::OutIn));
  return Status::success();
}

Status run(LoraLinearOp op, InterpreterFrame &frame) {
  Array<float> x = frame.f32(op.getX()), w = frame.f32(op.getWeight()),
               a = frame.f32(op.getA()), b = frame.f32(op.getB());
  float s = static_cast<float>(op.getAlpha().convertToDouble() /
                               static_cast<double>(a.dim(1)));
  if (op.getWeightLayout() == WeightLayout::OutIn)
    w = ref::transpose(w); // exact: the reference's matmul reads [in, out]
  if (!op.getGsq()) {
    frame.set(op.getResult(), ref::loraForward(x, w, a, b, s));
    return Status::success();
  }
  GSQConfigAttr gsq = *op.getGsq();
  ref::GsqConfig config;
  config.format.bits = gsq.getBits();
  config.format.group = gsq.getGroup();
  config.format.expBits = gsq.getExpBits();
  config.format.expRule = referenceExpRule(gsq.getExpRule());
  config.format.rounding = referenceRounding(gsq.getRounding());
  config.gradRounding = referenceRounding(gsq.getGradRounding());
  Array<float> y;
  QTC_RETURN_IF_ERROR(ref::gsqLoraForward(x, w, a, b, s, config, y));
  frame.set(op.getResult(), std::move(y));
  return Status::success();
}

Status run(LotaLinearOp op, InterpreterFrame &frame) {
  Array<float> weff;
  QTC_RETURN_IF_ERROR(ref::lotaEffectiveWeight(
      affineOf(frame, op.getWeight()), frame.array<int8_t>(op.getA()),
      frame.array<int8_t>(op.getB()), op.getOmegaOrDefault(),
      offsetScaleOf(op.getOffsetScale()), weff));
  frame.set(op.getResult(),
            ref::matmul(frame.f32(op.getX()), false, weff, false));
  return Status::success();
}

Status run(QeftLinearOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::qeftForward(frame.f32(op.getX()), frame.f32(op.getDense()),
                             frame.f32(op.getWeak())));
  return Status::success();
}

Status run(TernaryProductOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            intsAs(op.getType(),
                   ref::ternaryProduct(frame.array<int8_t>(op.getA()),
                                       frame.array<int8_t>(op.getB()))));
  return Status::success();
}

Status run(MaskedThresholdOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::maskedThreshold(int32s(frame, op.getDelta()),
                                 affineOf(frame, op.getWeight()),
                                 op.getOmega().convertToDouble()));
  return Status::success();
}

Status run(LotaOffsetOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::lotaOffset(int32s(frame, op.getDelta()),
                            frame.array<int8_t>(op.getStep()),
                            affineOf(frame, op.getWeight()),
                            op.getOmega().convertToDouble(),
                            offsetScaleOf(op.getOffsetScale())));
  return Status::success();
}

Status run(LotaMergeOp op, InterpreterFrame &frame) {
  ref::AffineTensor merged;
  QTC_RETURN_IF_ERROR(ref::lotaMerge(
      affineOf(frame, op.getWeight()), frame.array<int8_t>(op.getStep()),
      frame.array<float>(op.getOffset()),
      zeroFormOf(cast<AffineType>(op.getType()).getZero()), merged));
  frame.set(op.getResult(), std::move(merged));
  return Status::success();
}

Status run(LotaDeltaGradOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::lotaDeltaGrad(frame.array<float>(op.getWeightGrad()),
                               affineOf(frame, op.getWeight()),
                               op.getOmega().convertToDouble(),
                               offsetScaleOf(op.getOffsetScale())));
  return Status::success();
}

Status run(HessianAccumulateOp op, InterpreterFrame &frame) {
  int64_t count = frame.scalarInt(op.getCount()), newCount = 0;
  if (count < 0)
    return Status::error("negative sample count " + std::to_string(count));
  frame.set(op.getResult(),
            ref::hessianAccumulate(frame.array<float>(op.getHessian()), count,
                                   frame.array<float>(op.getX()), newCount));
  frame.set(op.getNewCount(), Array<int64_t>({}, newCount));
  return Status::success();
}

RuntimeValue indexResult(Type type, const std::vector<int64_t> &indices) {
  return Array<int64_t>({static_cast<int64_t>(indices.size())}, indices);
}

Status run(WeakColumnsLocalOp op, InterpreterFrame &frame) {
  std::vector<int64_t> columns;
  QTC_RETURN_IF_ERROR(ref::weakColumnsLocal(
      frame.array<float>(op.getHessian()), frame.array<float>(op.getWeight()),
      op.getCount(),
      op.getQuantizer() == LocalQuantizer::MinMax ? ref::LocalQuantizer::MinMax
                                                  : ref::LocalQuantizer::Mse,
      op.getBits(), op.getGridPoints(), columns));
  frame.set(op.getResult(), indexResult(op.getType(), columns));
  return Status::success();
}

Status run(WeakColumnsGlobalOp op, InterpreterFrame &frame) {
  std::vector<Array<float>> hessians;
  for (Value h : op.getHessians())
    hessians.push_back(frame.array<float>(h));
  std::vector<int64_t> columns;
  QTC_RETURN_IF_ERROR(ref::weakColumnsGlobal(hessians, op.getCount(), columns));
  frame.set(op.getResult(), indexResult(op.getType(), columns));
  return Status::success();
}

Status run(PermuteOp op, InterpreterFrame &frame) {
  std::vector<int64_t> perm = frame.ints(op.getPerm());
  int64_t axis = op.getAxis();
  int64_t length =
      cast<RankedTensorType>(op.getInput().getType()).getDimSize(axis);
  QTC_RETURN_IF_ERROR(ref::validatePermutation(perm, length));
  frame.set(op.getResult(),
            onFloatTensor(frame.get(op.getInput()), [&](const auto &x) {
              return RuntimeValue(ref::permute(x, perm, axis, op.getInverse()));
            }));
  return Status::success();
}

Status run(GatherOp op, InterpreterFrame &frame) {
  std::vector<int64_t> indices = frame.ints(op.getIndices());
  int64_t axis = op.getAxis();
  int64_t length =
      cast<RankedTensorType>(op.getInput().getType()).getDimSize(axis);
  QTC_RETURN_IF_ERROR(checkIndices(indices, length, "indices"));
  frame.set(op.getResult(),
            onFloatTensor(frame.get(op.getInput()), [&](const auto &x) {
              return RuntimeValue(ref::gather(x, indices, axis));
            }));
  return Status::success();
}

Status run(OutlierSplitOp op, InterpreterFrame &frame) {
  auto dense = cast<AffineType>(op.getDense().getType());
  int64_t weakRows =
      cast<RankedTensorType>(op.getWeak().getType()).getDimSize(0);
  ref::AffineTensor q;
  Array<qtc::Half> weak;
  QTC_RETURN_IF_ERROR(ref::outlierSplit(frame.array<float>(op.getWeight()),
                                        weakRows, dense.getBits(),
                                        dense.getGroup(), q, weak));
  frame.set(op.getDense(), std::move(q));
  frame.set(op.getWeak(), std::move(weak));
  return Status::success();
}

Status run(RMSNormOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(), ref::rmsnorm(frame.array<float>(op.getX()),
                                         frame.array<float>(op.getWeight()),
                                         op.getEps().convertToDouble()));
  return Status::success();
}

Status run(RopeOp op, InterpreterFrame &frame) {
  std::vector<int64_t> positions;
  if (op.getPositions()) {
    positions = frame.ints(op.getPositions());
  } else {
    int64_t tokens = op.getX().getType().getDimSize(0);
    int64_t seqLen = static_cast<int64_t>(*op.getSeqLen());
    for (int64_t t = 0; t < tokens; ++t)
      positions.push_back(t % seqLen);
  }
  std::vector<double> invFreq = ropeInvFreqOf(
      op.getHeadDim(), op.getTheta().convertToDouble(), op.getScalingAttr());
  const Array<float> &x = frame.array<float>(op.getX());
  int64_t heads = static_cast<int64_t>(op.getHeads());
  frame.set(op.getResult(), op.getInverse()
                                ? ref::ropeGrad(x, heads, positions, invFreq)
                                : ref::rope(x, heads, positions, invFreq));
  return Status::success();
}

Status run(AttentionOp op, InterpreterFrame &frame) {
  ref::AttentionShape shape{static_cast<int64_t>(op.getHeads()),
                            static_cast<int64_t>(op.getKvHeads()),
                            static_cast<int64_t>(op.getSeqLen())};
  frame.set(op.getResult(),
            ref::attention(frame.array<float>(op.getQ()),
                           frame.array<float>(op.getK()),
                           frame.array<float>(op.getV()), shape,
                           op.getScaleOrDefault()));
  return Status::success();
}

Status run(AttentionGradOp op, InterpreterFrame &frame) {
  ref::AttentionShape shape{static_cast<int64_t>(op.getHeads()),
                            static_cast<int64_t>(op.getKvHeads()),
                            static_cast<int64_t>(op.getSeqLen())};
  Array<float> dq, dk, dv;
  ref::attentionGrad(frame.array<float>(op.getQ()),
                     frame.array<float>(op.getK()),
                     frame.array<float>(op.getV()), shape,
                     op.getScaleOrDefault(),
                     frame.array<float>(op.getDout()), dq, dk, dv);
  frame.set(op.getDq(), std::move(dq));
  frame.set(op.getDk(), std::move(dk));
  frame.set(op.getDv(), std::move(dv));
  return Status::success();
}

Status run(RMSNormGradOp op, InterpreterFrame &frame) {
  Array<float> dx, dw;
  ref::rmsnormGrad(frame.array<float>(op.getX()),
                   frame.array<float>(op.getWeight()),
                   op.getEps().convertToDouble(),
                   frame.array<float>(op.getDy()), dx, dw);
  frame.set(op.getDx(), std::move(dx));
  frame.set(op.getDweight(), std::move(dw));
  return Status::success();
}

Status run(SwiGLUGradOp op, InterpreterFrame &frame) {
  Array<float> dgate, dup;
  ref::swigluGrad(frame.array<float>(op.getGate()),
                  frame.array<float>(op.getUp()),
                  frame.array<float>(op.getDy()), dgate, dup);
  frame.set(op.getDgate(), std::move(dgate));
  frame.set(op.getDup(), std::move(dup));
  return Status::success();
}

Status run(EmbeddingGradOp op, InterpreterFrame &frame) {
  Array<float> dtable;
  QTC_RETURN_IF_ERROR(ref::embeddingGrad(staticShapeOf(op.getType()),
                                         frame.ints(op.getIds()),
                                         frame.array<float>(op.getDy()),
                                         dtable));
  frame.set(op.getResult(), std::move(dtable));
  return Status::success();
}

Status run(CrossEntropyGradOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(),
            ref::crossEntropyGrad(frame.array<float>(op.getLogits()),
                                  frame.ints(op.getLabels()),
                                  op.getIgnoreIndex(),
                                  frame.scalarF32(op.getDloss())));
  return Status::success();
}

Status run(RowSumOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(), ref::rowSum(frame.array<float>(op.getX())));
  return Status::success();
}

Status run(BiasAddOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(), ref::biasAdd(frame.array<float>(op.getX()),
                                         frame.array<float>(op.getBias())));
  return Status::success();
}

Status run(SwiGLUOp op, InterpreterFrame &frame) {
  frame.set(op.getResult(), ref::swiglu(frame.array<float>(op.getGate()),
                                        frame.array<float>(op.getUp())));
  return Status::success();
}

Status run(EmbeddingOp op, InterpreterFrame &frame) {
  Array<float> out;
  QTC_RETURN_IF_ERROR(ref::embedding(frame.array<float>(op.getTable()),
                                     frame.ints(op.getIds()), out));
  frame.set(op.getResult(), std::move(out));
  return Status::success();
}

Status run(CrossEntropyOp op, InterpreterFrame &frame) {
  float loss = 0;
  QTC_RETURN_IF_ERROR(ref::crossEntropy(frame.array<float>(op.getLogits()),
                                        frame.ints(op.getLabels()),
                                        op.getIgnoreIndex(), loss));
  frame.set(op.getResult(), Array<float>({}, loss));
  return Status::success();
}

Status run(AdamWOp op, InterpreterFrame &frame) {
  ref::AdamWConfig config;
  config.lr = op.getLr().convertToDouble();
  config.beta1 = op.getBeta1().convertToDouble();
  config.beta2 = op.getBeta2().convertToDouble();
  config.eps = op.getEps().convertToDouble();
  config.weightDecay = op.getWeightDecay().convertToDouble();
  if (Value scale = op.getLrScale())
    config.lr *= static_cast<double>(frame.scalarF32(scale));
  if (Value norm = op.getGradNorm())
    config.gradScale = ref::clipCoefficient(
        frame.scalarF32(norm),
        static_cast<float>(op.getMaxGradNormAttr().getValueAsDouble()));
  Array<float> m = frame.array<float>(op.getM()),
               v = frame.array<float>(op.getV());
  const Array<float> &grad = frame.array<float>(op.getGrad());
  int64_t step = frame.scalarInt(op.getStep());
  // f16 parameters are rounded once from the f64 update (NUMERICS.md 5).
  if (const auto *half = std::get_if<Array<qtc::Half>>(&frame.get(op.getParam()))) {
    Array<qtc::Half> p = *half;
    QTC_RETURN_IF_ERROR(ref::adamw(p, grad, m, v, step, config));
    frame.set(op.getNewParam(), std::move(p));
  } else {
    Array<float> p = frame.f32(op.getParam());
    QTC_RETURN_IF_ERROR(ref::adamw(p, grad, m, v, step, config));
    frame.set(op.getNewParam(), std::move(p));
  }
  frame.set(op.getNewM(), std::move(m));
  frame.set(op.getNewV(), std::move(v));
  return Status::success();
}

Status run(TSignSGDOp op, InterpreterFrame &frame) {
  Array<int8_t> next;
  QTC_RETURN_IF_ERROR(ref::tsignSgd(
      frame.array<int8_t>(op.getParam()), frame.array<float>(op.getGrad()),
      frame.scalarInt(op.getStep()), op.getTotalSteps(),
      frame.scalarF32(op.getGradNorm()), next));
  frame.set(op.getResult(), std::move(next));
  return Status::success();
}

Status run(QuantileOp op, InterpreterFrame &frame) {
  float out = 0;
  QTC_RETURN_IF_ERROR(ref::quantile(frame.array<float>(op.getInput()),
                                    frame.scalarF32(op.getLevel()), op.getAbs(),
                                    out));
  frame.set(op.getResult(), Array<float>({}, out));
  return Status::success();
}

Status run(GlobalNormOp op, InterpreterFrame &frame) {
  std::vector<const Array<float> *> tensors;
  for (Value v : op.getInputs())
    tensors.push_back(&frame.array<float>(v));
  frame.set(op.getResult(), Array<float>({}, ref::globalNorm(tensors)));
  return Status::success();
}

} // namespace

FailureOr<Status> interpretQtOp(Operation *op, InterpreterFrame &frame) {
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case<QuantizeOp, RequantizeOp, DequantizeOp, PackOp, UnpackOp, MatmulOp,
            LinearOp, LoraLinearOp, LotaLinearOp, QeftLinearOp,
            TernaryProductOp, MaskedThresholdOp, LotaOffsetOp, LotaMergeOp,
            LotaDeltaGradOp, HessianAccumulateOp, WeakColumnsLocalOp,
            WeakColumnsGlobalOp, PermuteOp, GatherOp, OutlierSplitOp, RMSNormOp,
            RopeOp, AttentionOp, BiasAddOp, SwiGLUOp, EmbeddingOp, CrossEntropyOp,
            RMSNormGradOp, AttentionGradOp, SwiGLUGradOp, EmbeddingGradOp,
            CrossEntropyGradOp, RowSumOp, AdamWOp,
            TSignSGDOp, QuantileOp, GlobalNormOp>(
          [&](auto qtOp) -> FailureOr<Status> { return run(qtOp, frame); })
      .Default([](Operation *) -> FailureOr<Status> { return failure(); });
}

} // namespace mlir::qt
