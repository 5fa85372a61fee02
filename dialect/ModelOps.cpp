//===- ModelOps.cpp - Llama/Qwen model ops --------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qt;

/// x [..., D], weight [D], eps > 0.
static LogicalResult verifyRMSNorm(Operation *op, RankedTensorType x,
                                   RankedTensorType weight, double eps) {
  if (x.getRank() < 1)
    return op->emitOpError("input 'x' must have rank >= 1, found a scalar");
  if (failed(expectRank(op, "weight", weight, 1)) ||
      failed(expectDim(op, "weight length", weight.getDimSize(0),
                       x.getShape().back())))
    return failure();
  return expectPositive(op, "eps", eps);
}

LogicalResult RMSNormOp::verify() {
  return verifyRMSNorm(*this, getX().getType(), getWeight().getType(),
                       getEps().convertToDouble());
}

LogicalResult RMSNormGradOp::verify() {
  return verifyRMSNorm(*this, getX().getType(), getWeight().getType(),
                       getEps().convertToDouble());
}

/// The head width of token-major `[tokens, heads * head_dim]` features.
static FailureOr<int64_t> headDimOf(Operation *op, StringRef what,
                                    RankedTensorType x, int64_t heads) {
  if (failed(expectRank(op, (what + " [tokens, heads * head_dim]").str(), x,
                        2)))
    return failure();
  if (heads <= 0)
    return op->emitOpError("heads must be positive, found ") << heads;
  int64_t features = x.getDimSize(1);
  if (ShapedType::isDynamic(features))
    return op->emitOpError("needs static features in ") << what;
  if (features % heads != 0)
    return op->emitOpError() << what << " features (" << features
                             << ") must be a multiple of its heads (" << heads
                             << ")";
  return features / heads;
}

/// A positive `seq_len` that divides the tokens.
static LogicalResult expectSeqLen(Operation *op, int64_t seqLen,
                                  int64_t tokens) {
  if (seqLen <= 0)
    return op->emitOpError("seq_len must be positive, found ") << seqLen;
  if (!ShapedType::isDynamic(tokens) && tokens % seqLen != 0)
    return op->emitOpError("seq_len (")
           << seqLen << ") must divide the tokens (" << tokens << ")";
  return success();
}

LogicalResult RopeOp::verify() {
  RankedTensorType x = getX().getType();
  FailureOr<int64_t> headDim = headDimOf(*this, "input 'x'", x, getHeads());
  if (failed(headDim))
    return failure();
  if (*headDim % 2 != 0)
    return emitOpError("head_dim must be even (rotation pairs), found ")
           << *headDim;
  if (failed(expectPositive(*this, "theta", getTheta().convertToDouble())))
    return failure();
  if (static_cast<bool>(getPositions()) == getSeqLen().has_value())
    return emitOpError("needs exactly one of 'positions' (one per token) and "
                       "'seq_len' (positions t mod seq_len)");
  if (std::optional<int64_t> seqLen = getSeqLen())
    return expectSeqLen(*this, *seqLen, x.getDimSize(0));
  if (failed(expectRank(*this, "positions", getPositions().getType(), 1)))
    return failure();
  return expectDim(*this, "positions length",
                   getPositions().getType().getDimSize(0), x.getDimSize(0));
}

/// An attention's `scale` attribute, else 1/sqrt(head_dim).
static double scaleOrDefault(std::optional<APFloat> scale, int64_t headDim) {
  if (scale)
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(headDim));
}

double AttentionOp::getScaleOrDefault() {
  return scaleOrDefault(getScale(), getHeadDim());
}

double AttentionGradOp::getScaleOrDefault() {
  return scaleOrDefault(getScale(), getHeadDim());
}

/// q [T, heads * D], k and v [T, kv_heads * D], GQA, seq_len | T.
static LogicalResult verifyAttention(Operation *op, RankedTensorType qType,
                                     RankedTensorType kType,
                                     RankedTensorType vType, int64_t heads,
                                     int64_t kvHeads, int64_t seqLen,
                                     std::optional<APFloat> scale) {
  FailureOr<int64_t> headDim = headDimOf(op, "q", qType, heads);
  if (failed(headDim))
    return failure();
  if (kvHeads <= 0)
    return op->emitOpError("kv_heads must be positive, found ") << kvHeads;
  if (heads % kvHeads != 0)
    return op->emitOpError("key/value heads must divide query heads (GQA)")
           << ": " << kvHeads << " does not divide " << heads;
  if (failed(expectRank(op, "k [tokens, kv_heads * head_dim]", kType, 2)))
    return failure();
  ArrayRef<int64_t> q = qType.getShape();
  ArrayRef<int64_t> k = kType.getShape();
  if (failed(expectShape(op, "k shape", k, {q[0], kvHeads * *headDim})) ||
      failed(expectShape(op, "v shape", vType.getShape(), k)) ||
      failed(expectSeqLen(op, seqLen, q[0])))
    return failure();
  if (scale)
    return expectPositive(op, "scale", scale->convertToDouble());
  return success();
}

LogicalResult AttentionOp::verify() {
  return verifyAttention(*this, getQ().getType(), getK().getType(),
                         getV().getType(), getHeads(), getKvHeads(),
                         getSeqLen(), getScale());
}

LogicalResult AttentionGradOp::verify() {
  return verifyAttention(*this, getQ().getType(), getK().getType(),
                         getV().getType(), getHeads(), getKvHeads(),
                         getSeqLen(), getScale());
}

LogicalResult BiasAddOp::verify() {
  RankedTensorType x = getX().getType();
  if (x.getRank() < 1)
    return emitOpError("input 'x' must have rank >= 1, found a scalar");
  if (failed(expectRank(*this, "bias", getBias().getType(), 1)))
    return failure();
  return expectDim(*this, "bias length", getBias().getType().getDimSize(0),
                   x.getShape().back());
}

LogicalResult EmbeddingOp::verify() {
  if (failed(expectRank(*this, "table [vocab, dim]", getTable().getType(), 2)))
    return failure();
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(getTable().getType().getDimSize(1));
  return expectShape(*this, "result shape", getType().getShape(), expected);
}

/// logits [T, V], labels [T].
static LogicalResult verifyCrossEntropy(Operation *op, RankedTensorType logits,
                                        RankedTensorType labels) {
  if (failed(expectRank(op, "logits [tokens, vocab]", logits, 2)) ||
      failed(expectRank(op, "labels [tokens]", labels, 1)))
    return failure();
  return expectDim(op, "labels length", labels.getDimSize(0),
                   logits.getDimSize(0));
}

LogicalResult CrossEntropyOp::verify() {
  return verifyCrossEntropy(*this, getLogits().getType(),
                            getLabels().getType());
}

LogicalResult CrossEntropyGradOp::verify() {
  return verifyCrossEntropy(*this, getLogits().getType(),
                            getLabels().getType());
}

LogicalResult EmbeddingGradOp::verify() {
  if (failed(expectRank(*this, "result [vocab, dim]", getType(), 2)))
    return failure();
  SmallVector<int64_t> expected(getIds().getType().getShape());
  expected.push_back(getType().getDimSize(1));
  return expectShape(*this, "dy shape", getDy().getType().getShape(),
                     expected);
}

LogicalResult RowSumOp::verify() {
  RankedTensorType x = getX().getType();
  if (x.getRank() < 1)
    return emitOpError("input 'x' must have rank >= 1, found a scalar");
  return expectShape(*this, "result shape", getType().getShape(),
                     {x.getShape().back()});
}
