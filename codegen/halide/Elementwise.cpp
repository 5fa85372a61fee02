//===- Elementwise.cpp - f32 elementwise kernels --------------------------===//
#include "codegen/halide/Elementwise.h"

using namespace Halide;

namespace qtc::halide {

Func defineElementwise(const std::string &op, Func a, Func b, Expr s) {
  Var i("i");
  Func out("elementwise");
  if (op == "add")
    out(i) = a(i) + b(i);
  else if (op == "sub")
    out(i) = a(i) - b(i);
  else if (op == "mul")
    out(i) = a(i) * b(i);
  else if (op == "scale")
    out(i) = a(i) * s;
  else {
    _halide_user_assert(op == "neg")
        << "elementwise: unknown op '" << op << "'";
    out(i) = -a(i);
  }
  return out;
}

Func defineWiden(Func in) {
  Var i("i");
  Func out("widen");
  out(i) = cast<float>(in(i));
  return out;
}

void scheduleElementwiseCpu(Func out, int lanes) {
  Var i = out.args()[0], io("io"), ii("ii");
  out.split(i, io, ii, lanes * 64, TailStrategy::GuardWithIf)
      .vectorize(ii, lanes, TailStrategy::GuardWithIf)
      .parallel(io);
}

} // namespace qtc::halide
