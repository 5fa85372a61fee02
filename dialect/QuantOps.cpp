//===- QuantOps.cpp - casts, storage and the mixed matmul -----------------===//

#include "dialect/QtOps.h"
#include "dialect/VerifyUtils.h"

using namespace mlir;
using namespace mlir::qt;

//===----------------------------------------------------------------------===//
// quantize / dequantize / requantize
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(expectShape(*this, "result shape", shapeOf(getType()),
                         shapeOf(getInput().getType()))))
    return failure();
  // Rounding picks fresh scales and contiguous groups; act-order g_idx and
  // fractional zeros only come from checkpoints or LoTA's merge.
  if (auto affine = dyn_cast<AffineType>(getType()))
    if (affine.getZero() != ZeroForm::Int || affine.getGIdx())
      return emitOpError("quantize to an affine type needs zero = int and no "
                         "g_idx")
             << ", found " << affine;
  return expectSeedMatchesRounding(*this, getSeed(), getType());
}

/// quantize(dequantize(q)) into the same format gives back q's values
/// exactly for GSE (each value is representable and re-deriving the shared
/// exponent cannot lose a bit) and for ternary (0.75 * mean|q| < 1). It does
/// not for NF4 and affine: a checkpoint's scales need not be the ones that
/// rounding would choose.
OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  auto dequantize = getInput().getDefiningOp<DequantizeOp>();
  if (!dequantize || dequantize.getInput().getType() != getType())
    return {};
  if (!isa<GSEType, TernaryType>(getType()))
    return {};
  return dequantize.getInput();
}

LogicalResult DequantizeOp::verify() {
  return expectShape(*this, "result shape", shapeOf(getType()),
                     shapeOf(getInput().getType()));
}

LogicalResult RequantizeOp::verify() {
  if (failed(expectShape(*this, "result shape", shapeOf(getType()),
                         shapeOf(getInput().getType()))))
    return failure();
  return expectSeedMatchesRounding(*this, getSeed(), getType());
}

//===----------------------------------------------------------------------===//
// pack / unpack
//===----------------------------------------------------------------------===//

static LogicalResult verifyStorage(Operation *op, QuantizedTypeInterface type,
                                   TypeRange storage) {
  SmallVector<RankedTensorType> expected = type.getStorageTypes();
  SmallVector<StringRef> names = type.getStorageNames();
  if (storage.size() != expected.size()) {
    InFlightDiagnostic diag = op->emitOpError("storage of ")
                              << type << " is " << expected.size()
                              << " tensors (";
    llvm::interleaveComma(names, diag);
    return diag << "), found " << storage.size();
  }
  for (auto [i, found, want, name] :
       llvm::enumerate(storage, expected, names))
    if (found != want)
      return op->emitOpError("storage tensor #")
             << i << " (" << name << ") must be " << want << ", found "
             << found;
  return success();
}

LogicalResult PackOp::verify() {
  return verifyStorage(*this, getType(), getStorage().getTypes());
}

LogicalResult UnpackOp::verify() {
  return verifyStorage(*this, getInput().getType(), getStorage().getTypes());
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

/// A GSE operand's groups must run along the matmul's reduction axis.
static LogicalResult expectGroupedAlongReduction(Operation *op, StringRef name,
                                                 Type type,
                                                 unsigned reductionAxis) {
  auto gse = dyn_cast<GSEType>(type);
  if (!gse || gse.getAxis() == reductionAxis)
    return success();
  return op->emitOpError("GSE operand must be grouped along its reduction "
                         "axis")
         << ": '" << name << "' needs axis " << reductionAxis << ", found axis "
         << gse.getAxis();
}

LogicalResult MatmulOp::verify() {
  Type aType = getA().getType(), bType = getB().getType();
  if (failed(expectRank(*this, "operand 'a'", aType, 2)) ||
      failed(expectRank(*this, "operand 'b'", bType, 2)) ||
      failed(expectRank(*this, "result", getType(), 2)))
    return failure();
  ArrayRef<int64_t> a = shapeOf(aType), b = shapeOf(bType);
  unsigned aReduction = getTransposeA() ? 0 : 1;
  unsigned bReduction = getTransposeB() ? 1 : 0;
  int64_t m = a[1 - aReduction], n = b[1 - bReduction];
  if (failed(expectDim(*this, "reduction extent of 'b'", b[bReduction],
                       a[aReduction])) ||
      failed(expectShape(*this, "result shape", shapeOf(getType()), {m, n})))
    return failure();
  if (failed(expectGroupedAlongReduction(*this, "a", aType, aReduction)) ||
      failed(expectGroupedAlongReduction(*this, "b", bType, bReduction)))
    return failure();

  auto aGse = dyn_cast<GSEType>(aType), bGse = dyn_cast<GSEType>(bType);
  if (aGse && bGse && aGse.getGroup() != bGse.getGroup())
    return emitOpError("GSE operands must share one group size")
           << ", found " << aGse.getGroup() << " and " << bGse.getGroup();
  if (getAccumulate() == Accumulation::WideInt && !(aGse && bGse))
    return emitOpError("accumulate wide_int needs two GSE operands")
           << ", found " << aType << " and " << bType;
  return success();
}
