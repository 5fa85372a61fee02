//===- GlobalNorm.cpp - sums of squares for qt.global_norm ----------------===//
#include "codegen/halide/GlobalNorm.h"

using namespace Halide;

namespace qtc::halide {

Func defineSumOfSquares(Func x, Expr count) {
  RDom r(0, count, "r");
  Func sum("sum_of_squares");
  Expr v = cast<double>(x(r));
  sum() = cast<double>(0);
  // In order, as the reference sums: strict_float keeps LLVM from
  // reassociating (vectorizing) the reduction, which Halide otherwise allows.
  sum() = strict_float(sum() + v * v);
  return sum;
}

} // namespace qtc::halide
