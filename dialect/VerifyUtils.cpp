//===- VerifyUtils.cpp - diagnostics shared by op verifiers ---------------===//

#include "dialect/VerifyUtils.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::qt;

ArrayRef<int64_t> mlir::qt::shapeOf(Type type) {
  std::optional<ArrayRef<int64_t>> shape = getTensorLikeShape(type);
  assert(shape && "ODS constraints admit only tensor-like types here");
  return *shape;
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (shape.empty())
    return "a scalar";
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (ShapedType::isDynamic(dim))
          os << '?';
        else
          os << dim;
      },
      "x");
  return text;
}

LogicalResult mlir::qt::expectRank(Operation *op, StringRef what, Type type,
                                   int64_t rank) {
  int64_t found = shapeOf(type).size();
  if (found == rank)
    return success();
  return op->emitOpError() << what << " must have rank " << rank
                           << ", found rank " << found;
}

LogicalResult mlir::qt::expectDim(Operation *op, StringRef what, int64_t found,
                                  int64_t expected) {
  if (found == expected || ShapedType::isDynamic(found) ||
      ShapedType::isDynamic(expected))
    return success();
  return op->emitOpError() << what << " must be " << expected << ", found "
                           << found;
}

LogicalResult mlir::qt::expectShape(Operation *op, StringRef what,
                                    ArrayRef<int64_t> found,
                                    ArrayRef<int64_t> expected) {
  bool compatible = found.size() == expected.size();
  for (size_t i = 0; compatible && i < found.size(); ++i)
    compatible = found[i] == expected[i] || ShapedType::isDynamic(found[i]) ||
                 ShapedType::isDynamic(expected[i]);
  if (compatible)
    return success();
  return op->emitOpError() << what << " must be " << formatShape(expected)
                           << ", found " << formatShape(found);
}

LogicalResult mlir::qt::expectSeedMatchesRounding(Operation *op, Value seed,
                                                  Type result) {
  auto gse = dyn_cast<GSEType>(result);
  bool stochastic = gse && gse.getRounding() == Rounding::Stochastic;
  if (stochastic && !seed)
    return op->emitOpError("stochastic rounding needs a seed operand")
           << ", found none for " << result;
  if (!stochastic && seed)
    return op->emitOpError("a seed operand is only for stochastic rounding")
           << ", found one for " << result;
  return success();
}

LogicalResult mlir::qt::expectPositive(Operation *op, StringRef what,
                                       double value) {
  if (value > 0)
    return success();
  return op->emitOpError() << what << " must be positive, found " << value;
}

LogicalResult mlir::qt::expectIntegerZero(Operation *op, AffineType weight) {
  if (weight.getZero() == ZeroForm::Int)
    return success();
  return op->emitOpError("needs an integer zero point (zero = int)")
         << ", found " << stringifyZeroForm(weight.getZero());
}
