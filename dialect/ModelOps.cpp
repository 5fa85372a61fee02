//===- ModelOps.cpp - Llama/Qwen model ops --------------------------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

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

LogicalResult RopeOp::verify() {
  RankedTensorType x = getX().getType();
  if (failed(expectRank(*this, "input 'x' [batch, heads, seq, head_dim]", x,
                        4)))
    return failure();
  int64_t headDim = x.getDimSize(3);
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError("head_dim must be even (rotation pairs)")
           << ", found " << headDim;
  if (failed(expectPositive(*this, "theta", getTheta().convertToDouble())))
    return failure();
  if (!getPositions())
    return success();
  if (failed(expectRank(*this, "positions", getPositions().getType(), 1)))
    return failure();
  return expectDim(*this, "positions length",
                   getPositions().getType().getDimSize(0), x.getDimSize(2));
}

LogicalResult AttentionOp::verify() {
  if (failed(expectRank(*this, "q [batch, heads, seq, head_dim]",
                        getQ().getType(), 4)) ||
      failed(expectRank(*this, "k [batch, heads, seq, head_dim]",
                        getK().getType(), 4)) ||
      failed(expectRank(*this, "v [batch, heads, seq, head_dim]",
                        getV().getType(), 4)))
    return failure();
  ArrayRef<int64_t> q = getQ().getType().getShape();
  ArrayRef<int64_t> k = getK().getType().getShape();
  if (failed(expectShape(*this, "v shape", getV().getType().getShape(), k)) ||
      failed(expectDim(*this, "k batch", k[0], q[0])) ||
      failed(expectDim(*this, "k seq", k[2], q[2])) ||
      failed(expectDim(*this, "k head_dim", k[3], q[3])))
    return failure();
  int64_t qHeads = q[1], kvHeads = k[1];
  if (!ShapedType::isDynamic(qHeads) && !ShapedType::isDynamic(kvHeads) &&
      qHeads % kvHeads != 0)
    return emitOpError("key/value heads must divide query heads (GQA)")
           << ": " << kvHeads << " does not divide " << qHeads;
  if (std::optional<APFloat> scale = getScale())
    return expectPositive(*this, "scale", scale->convertToDouble());
  return success();
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
