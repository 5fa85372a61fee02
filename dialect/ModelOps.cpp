//===- ModelOps.cpp - Llama/Qwen model ops --------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qt;

LogicalResult RMSNormOp::verify() {
  RankedTensorType x = getX().getType();
  if (x.getRank() < 1)
    return emitOpError("input 'x' must have rank >= 1, found a scalar");
  if (failed(expectRank(*this, "weight", getWeight().getType(), 1)) ||
      failed(expectDim(*this, "weight length", getWeight().getType().getDimSize(0),
                       x.getShape().back())))
    return failure();
  return expectPositive(*this, "eps", getEps().convertToDouble());
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
  if (std::optional<uint64_t> seqLen = getSeqLen())
    return expectSeqLen(*this, static_cast<int64_t>(*seqLen),
                        x.getDimSize(0));
  if (failed(expectRank(*this, "positions", getPositions().getType(), 1)))
    return failure();
  return expectDim(*this, "positions length",
                   getPositions().getType().getDimSize(0), x.getDimSize(0));
}

double AttentionOp::getScaleOrDefault() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getHeadDim()));
}

LogicalResult AttentionOp::verify() {
  FailureOr<int64_t> headDim = headDimOf(*this, "q", getQ().getType(), getHeads());
  if (failed(headDim))
    return failure();
  if (getKvHeads() <= 0)
    return emitOpError("kv_heads must be positive, found ") << getKvHeads();
  if (getHeads() % getKvHeads() != 0)
    return emitOpError("key/value heads must divide query heads (GQA)")
           << ": " << getKvHeads() << " does not divide " << getHeads();
  if (failed(expectRank(*this, "k [tokens, kv_heads * head_dim]",
                        getK().getType(), 2)))
    return failure();
  ArrayRef<int64_t> q = getQ().getType().getShape();
  ArrayRef<int64_t> k = getK().getType().getShape();
  if (failed(expectShape(*this, "k shape", k,
                         {q[0], getKvHeads() * *headDim})) ||
      failed(expectShape(*this, "v shape", getV().getType().getShape(), k)) ||
      failed(expectSeqLen(*this, getSeqLen(), q[0])))
    return failure();
  if (std::optional<APFloat> scale = getScale())
    return expectPositive(*this, "scale", scale->convertToDouble());
  return success();
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

LogicalResult CrossEntropyOp::verify() {
  if (failed(expectRank(*this, "logits [tokens, vocab]", getLogits().getType(),
                        2)) ||
      failed(expectRank(*this, "labels [tokens]", getLabels().getType(), 1)))
    return failure();
  return expectDim(*this, "labels length", getLabels().getType().getDimSize(0),
                   getLogits().getType().getDimSize(0));
}
