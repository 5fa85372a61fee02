//===- Differentiation.cpp - the differentiation interface ----------------===//

#include "dialect/Differentiation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::qt;

#include "dialect/QtOpInterfaces.cpp.inc"

Value SeedSource::next(OpBuilder &builder, Location loc) {
  if (!seed)
    seed = makeSeedArgument();
  unsigned k = taken++;
  if (k == 0)
    return seed;
  Value offset = builder.create<arith::ConstantIntOp>(loc, k, 64);
  return builder.create<arith::AddIOp>(loc, seed, offset);
}
